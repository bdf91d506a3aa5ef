/*! Parley comment counts for listing pages: one request per site, text only.
 *
 * <a href="/articles/k1#comments" data-parley-count="k1">Comments</a>
 * <script src="https://parley.example/count.js" data-parley-site="demo" async></script>
 *
 * An element may name its own site with data-parley-site. The text becomes "N comments";
 * data-parley-count-one / data-parley-count-many override the words ("{n}" is the number).
 */
(() => {
  "use strict";
  const script = document.currentScript;
  const api =
    (script && script.dataset.parleyApi) ||
    (script && script.src ? new URL(script.src).origin : window.location.origin);
  const defaultSite = script && script.dataset.parleySite;
  const CHUNK = 200; // the counts endpoint's limit per request

  function label(el, n) {
    const one = el.dataset.parleyCountOne || "{n} comment";
    const many = el.dataset.parleyCountMany || "{n} comments";
    return (n === 1 ? one : many).replace("{n}", String(n));
  }

  async function fill(root = document) {
    const bySite = new Map();
    for (const el of root.querySelectorAll("[data-parley-count]")) {
      const site = el.dataset.parleySite || defaultSite;
      if (!site) continue;
      if (!bySite.has(site)) bySite.set(site, []);
      bySite.get(site).push(el);
    }
    await Promise.all(
      [...bySite].map(async ([site, elements]) => {
        const keys = [...new Set(elements.map((el) => el.dataset.parleyCount))];
        for (let i = 0; i < keys.length; i += CHUNK) {
          const params = new URLSearchParams();
          for (const key of keys.slice(i, i + CHUNK)) params.append("article", key);
          let counts;
          try {
            const response = await fetch(`${api}/api/v1/sites/${encodeURIComponent(site)}/counts/?${params}`, {
              credentials: "omit",
            });
            if (!response.ok) continue;
            counts = (await response.json()).counts || {};
          } catch {
            continue; // counts are decoration: leave the link's own text
          }
          for (const el of elements) {
            const n = counts[el.dataset.parleyCount];
            if (typeof n === "number") {
              el.textContent = label(el, n);
              el.dataset.parleyCountValue = String(n);
            }
          }
        }
      }),
    );
  }

  window.ParleyCounts = { fill };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => fill());
  else fill();
})();
