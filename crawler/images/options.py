"""A site's image reading options (``images:`` in its YAML): off unless the operator turns it on."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_IMAGE_MB = 10.0  # decimal MB: the OCR library refuses bigger files anyway (OcrSettings.max_bytes = 10,000,000)


class ImageOptions(BaseModel):
    """``images: true``, or a mapping: which of a detail page's pictures are fetched and read.

    Reading costs about 0.2 CPU-seconds a poster (docs/images-ocr.md), so it is off by default.
    ``min_side``: an ``<img>`` whose width or height attribute is smaller is not fetched (icons,
    spacers); a fetched image under the OCR's own minimum (24 px) is skipped when decoded.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    max_per_listing: int = Field(default=6, ge=1, le=50)
    min_side: int = Field(default=48, ge=1, le=4000)
    max_mb: float = Field(default=MAX_IMAGE_MB, gt=0, le=MAX_IMAGE_MB)

    @model_validator(mode="before")
    @classmethod
    def _switch(cls, value: object) -> object:
        """``images: true`` / ``false`` is the short form; a non-empty mapping without ``enabled`` turns reading on."""
        if isinstance(value, bool):
            return {"enabled": value}
        if isinstance(value, dict) and value and "enabled" not in value:  # ImageOptions() itself stays off
            return {**value, "enabled": True}
        return value

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1_000_000)
