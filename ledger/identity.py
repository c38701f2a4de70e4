"""Participants' identifying details, kept out of the events and encrypted under a key per participant.

Destroying a participant's key erases the person everywhere (crypto-shredding): any copy of the sealed
details, in a backup or an export, can no longer be read. The key store is an adapter (see storage/)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict

from ledger.values import PersonalNumber, Text

if TYPE_CHECKING:
    from collections.abc import Callable


class Identity(BaseModel):
    """Who a participant is. Never in an event: sealed in the vault under the participant's own key."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: Text
    email: Text | None = None
    personal_number: PersonalNumber | None = None


class KeyStore(Protocol):
    """Where keys and sealed details live; `destroy` must leave no readable trace of either."""

    def put(self, participant_id: str, key: bytes, sealed: bytes) -> None: ...

    def get(self, participant_id: str) -> tuple[bytes, bytes] | None: ...

    def destroy(self, participant_id: str) -> None: ...

    def sealed_before(self, cutoff: datetime) -> list[str]: ...


class IdentityVault:
    def __init__(self, store: KeyStore) -> None:
        self.store = store

    def seal(self, participant_id: str, identity: Identity) -> None:
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        plaintext = orjson.dumps(identity.model_dump())
        sealed = nonce + AESGCM(key).encrypt(nonce, plaintext, participant_id.encode())
        self.store.put(participant_id, key, sealed)

    def open(self, participant_id: str) -> Identity | None:
        found = self.store.get(participant_id)
        if found is None:
            return None
        key, sealed = found
        plaintext = AESGCM(key).decrypt(sealed[:12], sealed[12:], participant_id.encode())
        return Identity(**orjson.loads(plaintext))

    def erase(self, participant_id: str) -> None:
        self.store.destroy(participant_id)

    def reconcile(self, registered: Callable[[], set[str]], grace: timedelta) -> list[str]:
        """Destroy identities sealed more than `grace` ago whose participant was never registered: a command that
        seals an identity and then fails to store its event (a crash between the two; the key store is not the
        event store, so they share no transaction) leaves one behind. `grace` spares commands still running.
        Returns the participants whose identity was destroyed."""
        candidates = self.store.sealed_before(datetime.now(UTC) - grace)
        if not candidates:
            return []
        known = registered()
        orphans = [pid for pid in candidates if pid not in known]
        for pid in orphans:
            self.store.destroy(pid)
        return orphans
