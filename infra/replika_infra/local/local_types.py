"""More of what the local stack provisions itself: SES identities (moto's CloudFormation has no
``AWS::SES::EmailIdentity``) and the region-config values passed as data stack parameters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def email_identity(
    clients: Any, logical_id: str, props: dict[str, Any], resolver: Any
) -> tuple[str, dict[str, str]]:
    """``AWS::SES::EmailIdentity`` for an e-mail address: verified at once in moto (in AWS the
    owner clicks the link SES sends). ``Ref`` is the identity, as in CloudFormation."""
    identity = str(props["EmailIdentity"])
    if "@" in identity:
        clients("ses").verify_email_identity(EmailAddress=identity)
    else:
        clients("ses").verify_domain_identity(Domain=identity)
    return identity, {}


def region_parameters(region_slug: str, enabled: Iterable[str]) -> dict[str, str]:
    """Data stack parameters that are region policy (``templates/regions/<slug>.toml``): the
    Sabilulungan sender identity. A slug without a config file gets the template defaults."""
    from replika.core.config import load_region_config, region_config_path

    path = region_config_path(region_slug)
    if "sabilulungan" not in set(enabled) or not path.exists():
        return {}
    sender = load_region_config(path).sabilulungan.sender
    return {"SabilulunganSender": sender} if sender else {}
