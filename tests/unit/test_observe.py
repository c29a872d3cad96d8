"""Observations of the picture (nes_core.ObsFormat, NES.observe / capture): RGB and grayscale
at any size by area averaging, and max-pooling of two frames, against a NumPy reference."""
import numpy as np
import pytest

from nes_core import NES, ObsFormat

from tests.ines import INIT, program_rom

# A picture with detail at every scale: a 16-colour background pattern of 8x8 tiles that differ
# by row and column, drawn by the harness ROM below, then scrolled a few pixels each frame.
PROGRAM = INIT + """
        LDA #$3F
        STA $2006
        LDA #$00
        STA $2006
        LDX #$00
pal:    TXA
        ASL A
        ASL A
        ADC #$05
        STA $2007
        INX
        CPX #$20
        BNE pal
        LDA #$20
        STA $2006
        LDA #$00
        STA $2006
        LDY #$00
        LDX #$04
nt:     TYA
        STA $2007
        INY
        BNE nt
        DEX
        BNE nt
        LDA #$80
        STA $2000
        LDA #$0A
        STA $2001
loop:   JMP loop
nmi:    INC $10
        LDA $10
        STA $2005
        STA $2005
        RTI
irq:    RTI
"""


def _chr():
    """256 tiles, tile t filled with a stripe pattern of colours from its number."""
    out = bytearray()
    for t in range(256):
        for plane in range(2):
            for row in range(8):
                bits = ((t * 37 + row * 11) >> plane) & 0xFF
                out.append(bits ^ (0x55 if (row + plane) & 1 else 0xAA))
    return bytes(out) * 2  # both pattern tables


@pytest.fixture(scope="module")
def nes():
    n = NES(program_rom(PROGRAM, chr=_chr()))
    n.step(10)
    return n


def _weights(n_in, n_out):
    """Area weights (n_out, n_in) in units of 1 / n_out source pixels: the overlap of source
    pixel i, [i, i + 1), with output o's interval [o * n_in / n_out, (o + 1) * n_in / n_out)."""
    i = np.arange(n_in)[None, :] * n_out
    o = np.arange(n_out)[:, None] * n_in
    return np.clip(np.minimum(i + n_out, o + n_in) - np.maximum(i, o), 0, None).astype(np.int64)


def reference(src, shape):
    """INTER_AREA as an exact fraction (weights sum to 240 * 256), rounded half up."""
    h, w = shape
    wy, wx = _weights(240, h), _weights(256, w)
    s = src.astype(np.int64)
    total = np.einsum("oy,yx...,px->op...", wy, s, wx)
    return ((total + 240 * 256 // 2) // (240 * 256)).astype(np.uint8)


def luma(rgb):
    r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
    return ((77 * r + 150 * g + 29 * b + 128) >> 8).astype(np.uint8)


def test_native_rgb_is_the_rendered_picture_and_grayscale_its_luma(nes):
    rgb = nes.render()
    assert np.array_equal(nes.observe(), rgb)
    assert np.array_equal(nes.observe(ObsFormat("rgb")), rgb)
    assert np.array_equal(nes.capture(ObsFormat("grayscale")), luma(rgb))
    assert np.array_equal(nes.observe(ObsFormat("grayscale")), luma(rgb))
    assert len(np.unique(luma(rgb))) > 8  # the picture has detail to average


@pytest.mark.parametrize("shape", [(120, 128), (60, 64), (30, 32), (15, 16)])
@pytest.mark.parametrize("obs_type", ["rgb", "grayscale"])
def test_power_of_two_sizes_are_exact_box_means(nes, obs_type, shape):
    fmt = ObsFormat(obs_type, shape)
    src = nes.capture(fmt).astype(np.uint32)
    k = 240 // shape[0]
    blocks = src.reshape(shape[0], k, shape[1], k, *src.shape[2:]).sum(axis=(1, 3))
    want = ((blocks + k * k // 2) // (k * k)).astype(np.uint8)
    got = nes.observe(fmt)
    assert got.shape == fmt.shape and got.dtype == np.uint8
    assert np.array_equal(got, want)


@pytest.mark.parametrize("shape", [(84, 84), (100, 100), (210, 160), (239, 255), (1, 1), (240, 1)])
@pytest.mark.parametrize("obs_type", ["rgb", "grayscale"])
def test_any_size_averages_areas_to_within_rounding(nes, obs_type, shape):
    fmt = ObsFormat(obs_type, shape)
    got = nes.observe(fmt)
    want = reference(nes.capture(fmt), shape)
    assert got.shape == want.shape == fmt.shape
    assert np.array_equal(got, want)


def test_pooling_takes_the_pixelwise_maximum_of_two_frames(nes):
    for fmt in (ObsFormat("grayscale"), ObsFormat("rgb", (84, 84)), ObsFormat("grayscale", (120, 128))):
        before = nes.capture(fmt)
        nes.step(1)
        now = nes.capture(fmt)
        assert not np.array_equal(before, now)  # it scrolled
        pooled = np.maximum(before, now)
        want = pooled if fmt.shape[:2] == (240, 256) else reference(pooled, fmt.shape[:2])
        assert np.array_equal(nes.observe(fmt, pool_with=before), want)


def test_out_arrays_and_bad_arguments(nes):
    fmt = ObsFormat("grayscale", (84, 84))
    out = np.zeros((84, 84), np.uint8)
    assert nes.observe(fmt, out=out) is out and out.any()
    with pytest.raises(ValueError, match=r"shape \(84, 84\)"):
        nes.observe(fmt, out=np.zeros((84, 84, 1), np.uint8))
    with pytest.raises(ValueError, match="pool_with"):
        nes.observe(fmt, pool_with=np.zeros((240, 256, 3), np.uint8))
    with pytest.raises(TypeError, match="ObsFormat"):
        nes.observe("grayscale")
    with pytest.raises(ValueError, match="obs_type"):
        ObsFormat("gray")
    for shape in ((0, 84), (241, 84), (84, 257)):
        with pytest.raises(ValueError, match="1-240 x 1-256"):
            ObsFormat("rgb", shape)
    with pytest.raises(TypeError):
        ObsFormat("rgb", (84.5, 84))
    with pytest.raises(TypeError):
        ObsFormat("rgb", 84)
    assert ObsFormat("rgb", (84, 84)) == ObsFormat("rgb", (84, 84)) != ObsFormat("grayscale", (84, 84))
    assert ObsFormat("grayscale", (84, 84)).shape == (84, 84) and ObsFormat().shape == (240, 256, 3)
    assert ObsFormat("rgb", (84, 84)).nbytes == 84 * 84 * 3
