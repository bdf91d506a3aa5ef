"""Parley's built-in classifier: training data (``sources``) and training (``train``)."""
