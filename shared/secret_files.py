"""``NAME_FILE`` variants of the secret settings: the value read from a file.

Secrets reach a deployment as mounted files (``/run/secrets/…``) rather than as
values in a compose file or ``docker inspect``. For every secret setting ``NAME``, a
variable ``NAME_FILE`` names the file holding its value; the settings read it
themselves, so ``python -m services.<name>`` honours it with or without a container
entry point. Setting both ``NAME`` and ``NAME_FILE`` is an error, as is a file that
cannot be read. The value is the file's text without its final line break(s), as a
shell's ``$(cat file)`` gives it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

FILE_SUFFIX = "_FILE"


class SecretFileError(ValueError):
    """A ``NAME_FILE`` variable that cannot be used (message in French, for operators)."""


def read_secret_file(variable: str, path: str) -> str:
    """The value of ``variable`` held in the file at ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SecretFileError(
            f"{variable}{FILE_SUFFIX} désigne un fichier illisible : {path} ({error})"
        ) from error
    return text.rstrip("\r\n")


class SecretFilesSource(PydanticBaseSettingsSource):
    """Values of ``fields`` read from the files named by ``<PREFIX><FIELD>_FILE``."""

    def __init__(
        self, settings_cls: type[BaseSettings], fields: Iterable[str], *, prefix: str = ""
    ) -> None:
        super().__init__(settings_cls)
        self._fields = tuple(fields)
        self._prefix = prefix

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: :meth:`__call__` reads every field at once."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        """The values found in files, by field name."""
        values: dict[str, Any] = {}
        for name in self._fields:
            variable = f"{self._prefix}{name}".upper()
            path = os.environ.get(f"{variable}{FILE_SUFFIX}", "")
            if not path:
                continue
            if os.environ.get(variable):
                raise SecretFileError(
                    f"{variable} et {variable}{FILE_SUFFIX} sont tous deux définis : "
                    "gardez l'un des deux"
                )
            values[name] = read_secret_file(variable, path)
        return values


class SettingsWithSecretFiles(BaseSettings):
    """Settings whose ``SECRET_FIELDS`` also read ``NAME_FILE``, with the settings'
    ``env_prefix`` (``WEB_SECRET_KEY_FILE``).

    Sources, first wins: arguments, the environment, then the files.
    """

    SECRET_FIELDS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then the ``NAME_FILE`` variants."""
        return (
            init_settings,
            env_settings,
            SecretFilesSource(
                settings_cls, cls.SECRET_FIELDS, prefix=cls.model_config.get("env_prefix", "")
            ),
            dotenv_settings,
            file_secret_settings,
        )
