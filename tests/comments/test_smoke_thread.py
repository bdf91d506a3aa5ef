from comments.models import CommentStatus

from ..factories import CommentFactory


def thread_url(article) -> str:
    return f"/api/v1/sites/{article.site.slug}/articles/{article.key}/comments/"


def test_post_then_read_thread(reader_api, api, article):
    response = reader_api.post(thread_url(article), {"body": "Hello *there*"}, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["html"] == "<p>Hello <em>there</em></p>"
    assert created["status"] == CommentStatus.PUBLISHED

    page = api.get(thread_url(article)).json()
    assert [c["id"] for c in page["results"]] == [created["id"]]
    assert "status" not in page["results"][0]


def test_thread_page_costs_three_queries(api, article, django_assert_num_queries):
    for _ in range(30):
        top = CommentFactory(article=article)
        reply = CommentFactory(article=article, parent=top)
        CommentFactory(article=article, parent=reply)
    with django_assert_num_queries(3):
        response = api.get(thread_url(article), {"limit": 20})
    body = response.json()
    assert len(body["results"]) == 20
    assert (
        body["results"][0]["replies"][0]["replies"][0]["parent"]
        == (body["results"][0]["replies"][0]["id"])
    )
