"""planreports: NHS business-plan trackers in; Excel summary, PowerPoint packs and email out."""

from planreports.errors import (
    ConfigError,
    DeliveryError,
    InputError,
    PlanreportsError,
    RenderError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DeliveryError",
    "InputError",
    "PlanreportsError",
    "RenderError",
    "__version__",
    "build",
    "check",
]


def build(config_path, **options):  # noqa: ANN001, ANN201 - re-exported with full types from api
    """Build every pack from the trackers; see `planreports.api.build`."""
    from planreports.api import build as _build

    return _build(config_path, **options)


def check(config_path, **options):  # noqa: ANN001, ANN201
    """Read and reconcile, write nothing; see `planreports.api.check`."""
    from planreports.api import check as _check

    return _check(config_path, **options)
