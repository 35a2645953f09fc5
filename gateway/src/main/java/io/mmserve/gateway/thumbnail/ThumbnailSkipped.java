package io.mmserve.gateway.thumbnail;

/**
 * Why an image got no thumbnail; the upsert goes on without one. Not an error a client sees: the
 * reason is counted in {@code mmserve_gateway_thumbnails_total{outcome=...}}.
 */
final class ThumbnailSkipped extends Exception {
  private static final long serialVersionUID = 1L;

  private final Thumbnailer.Outcome outcome;

  ThumbnailSkipped(Thumbnailer.Outcome outcome, String message) {
    super(message, null, false, false);
    this.outcome = outcome;
  }

  Thumbnailer.Outcome outcome() {
    return outcome;
  }
}
