"""What the embedder and the backend share: the error body, request-body limits and the
wire format between them. Both import it; it imports neither."""
