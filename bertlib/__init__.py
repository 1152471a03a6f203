"""bertlib: a small, readable BERT built from scratch for the course."""
