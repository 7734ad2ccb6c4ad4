"""The intake test helpers themselves: a built package and the signing helper."""

from __future__ import annotations

from helpers.intake import empty_fields, make_signer, manifest_of, sign


def test_the_built_package_has_empty_signature_fields_and_a_manifest(package_bytes):
    m = manifest_of(package_bytes)
    assert m["format"] == "lingong-docs/manifest@1" and m["kind"] == "operating"
    assert sorted(empty_fields(package_bytes)) == sorted(f["name"] for f in m["signature_fields"])
    assert {f["role"] for f in m["files"]} >= {"application", "job_posts", "roster", "evidence"}


def test_signing_helper_fills_every_field(package_bytes, tmp_path):
    signer, _ = make_signer(tmp_path)
    signed = sign(package_bytes, signer)
    assert empty_fields(signed) == []
    assert len(signed) > len(package_bytes)

