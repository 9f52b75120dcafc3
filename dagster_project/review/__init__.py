"""Human review of what the extractor proposes: preview, accept, score against labels."""
