"""What the embedder, the backend and the launcher share, and nothing else imports into:
the repository root, the error body and body limits, and the embedder's wire format.
It imports none of them, so every arrow points down to it."""
