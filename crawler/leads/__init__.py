"""The leads store and everything built on it: identity, persistence, exports."""
