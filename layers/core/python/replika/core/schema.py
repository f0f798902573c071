"""The base of every request, response and record model of the apps.

``defer_build``: pydantic builds a model's validator and serializer on its first use instead of
when the class is defined, so a cold start pays only for the models its first request touches
(building them all cost e-Remunerasi about 100 ms before its first request). Field information
(``model_fields``) is there from the start; the OpenAPI generator builds what it documents.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Schema(BaseModel):
    model_config = ConfigDict(defer_build=True)


# A file the client is about to upload: its name, declared type and size.
class UploadIn(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(max_length=100)
    size: int = Field(gt=0)


class UploadOut(Schema):
    url: str
    fields: dict[str, str]
    key: str
    expires_in: int
