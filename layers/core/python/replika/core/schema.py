"""The base of every request, response and record model of the apps.

``defer_build``: pydantic builds a model's validator and serializer on its first use instead of
when the class is defined, so a cold start pays only for the models its first request touches
(building them all cost e-Remunerasi about 100 ms before its first request). Field information
(``model_fields``) is there from the start; the OpenAPI generator builds what it documents.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    model_config = ConfigDict(defer_build=True)
