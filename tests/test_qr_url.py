"""geo.address.qr_url: the plate URL in a small QR symbol, decoded back with a real decoder."""

from __future__ import annotations

import numpy as np
import pytest
import qrcode
import zxingcpp
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, MODE_NUMBER, QRData

from geo.address.qr_url import make_qr, plate_url, qr_base_url, qr_matrix, qr_segments
from geo.address.signing import generate_key, sign_plate
from geo.address.verify import SIGNATURE_DIGITS
from geo.errors import InvalidInput

UNIT = "110108010000-001-003-02"


@pytest.fixture(scope="module")
def signer() -> tuple:
    return generate_key()


def _url(signer: tuple, base: str, code: str = UNIT, issue: int = 1) -> str:
    kid, key = signer
    return plate_url(base, code, kid, issue, sign_plate(key, kid, code, issue))


def _decode(matrix: list[list[bool]], scale: int = 4) -> str:
    modules = np.array(matrix, dtype=bool)
    image = np.where(modules, 0, 255).astype(np.uint8)
    image = np.pad(image, 4, constant_values=255).repeat(scale, 0).repeat(scale, 1)
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1
    return results[0].text


def test_base_url_upper_case() -> None:
    assert qr_base_url("https://youlu.example.cn/") == "HTTPS://YOULU.EXAMPLE.CN"
    assert qr_base_url("http://127.0.0.1:5000") == "HTTP://127.0.0.1:5000"
    assert qr_base_url("https://example.cn/youlu") == "HTTPS://EXAMPLE.CN/youlu"
    with pytest.raises(InvalidInput):
        qr_base_url("youlu.example.cn")


def test_segments_alphanumeric_then_numeric(signer: tuple) -> None:
    url = _url(signer, "https://youlu.example.cn")
    segments = qr_segments(url)
    assert [s.mode for s in segments] == [MODE_ALPHA_NUM, MODE_NUMBER]
    assert len(segments[1].data) == SIGNATURE_DIGITS
    assert b"".join(s.data for s in segments).decode() == url


def test_lower_case_path_prefix_falls_back_to_bytes_only_there(signer: tuple) -> None:
    url = _url(signer, "https://example.cn/youlu")
    modes = [s.mode for s in qr_segments(url)]
    assert MODE_8BIT_BYTE in modes and modes[-1] == MODE_NUMBER


@pytest.mark.parametrize(("base", "version"), [
    ("https://youlu.cn", 6), ("https://youlu.example.cn", 6), ("http://127.0.0.1:5000", 6),
])
def test_unit_plate_version_at_m(signer: tuple, base: str, version: int) -> None:
    url = _url(signer, base)
    qr = make_qr(url)
    assert qr.version == version
    # the same URL in one byte-mode segment, as most generators write it, needs more modules
    baseline = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    baseline.add_data(QRData(url.lower().encode(), mode=MODE_8BIT_BYTE))
    baseline.make(fit=True)
    assert baseline.version >= qr.version + 2


def test_decodes_back_with_zxing(signer: tuple) -> None:
    for code, issue in ((UNIT, 1), ("110108010000-001-G01", 1), (UNIT, 3)):
        url = _url(signer, "https://youlu.example.cn", code, issue)
        assert _decode(qr_matrix(url)) == url


def test_error_correction_levels(signer: tuple) -> None:
    url = _url(signer, "https://youlu.cn")
    versions = [make_qr(url, error_correction=level).version for level in "LMQH"]
    assert versions == sorted(versions)
    with pytest.raises(InvalidInput):
        make_qr(url, error_correction="X")
