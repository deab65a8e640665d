"""Field encryption with crypto-shredding: envelopes, per-subject data keys, master keys.

The masker replaces a personal value; :class:`Encryptor` keeps its original as an
AES-256-GCM envelope bound to the event, field and subject. Each subject has one data key
in the :class:`Keyring`, wrapped by a master key from a :class:`KeyManagementService`
(:class:`LocalKMS` for the embedded setup). ``Keyring.forget`` deletes a subject's key, after
which its envelopes cannot be opened while the logs themselves stay unchanged.
"""

from logyard.security.crypto._commands import (
    forget_command,
    keyring_paths,
    open_local_keyring,
    rotate_command,
)
from logyard.security.crypto._encryptor import Encryptor
from logyard.security.crypto._envelope import ALG, VERSION, aad_for, parse_envelope
from logyard.security.crypto._errors import (
    EncryptionError,
    EnvelopeInvalid,
    KeyringError,
    SubjectForgotten,
)
from logyard.security.crypto._keyring import DataKey, Keyring, SubjectStatus
from logyard.security.crypto._kms import (
    MASTER_KEY_ENV,
    KeyManagementService,
    LocalKMS,
    WrappedKey,
    master_key_id,
)

__all__ = [
    "ALG",
    "MASTER_KEY_ENV",
    "VERSION",
    "DataKey",
    "EncryptionError",
    "Encryptor",
    "EnvelopeInvalid",
    "KeyManagementService",
    "Keyring",
    "KeyringError",
    "LocalKMS",
    "SubjectForgotten",
    "SubjectStatus",
    "WrappedKey",
    "aad_for",
    "forget_command",
    "keyring_paths",
    "master_key_id",
    "open_local_keyring",
    "parse_envelope",
    "rotate_command",
]
