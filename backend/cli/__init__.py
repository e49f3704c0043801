"""The backend's `facegate` commands: keys, exports, bulk enrollment, re-embedding."""
