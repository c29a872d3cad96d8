"""Small feature extractors (SB3 ``BaseFeaturesExtractor``) for the SB3 examples' cheaper
observations, and the policy each observation of :data:`smb_common.OBSERVATIONS` trains with.

On a CPU, SB3's ``NatureCNN`` on ``(4, 84, 84)`` (about 9 M multiply-adds a forward pass, three
times that backward) costs far more than the emulator's 4 frames a step; these nets cost a
fraction of it. Needs torch (the examples extra).
"""
from __future__ import annotations

from typing import Tuple

import gymnasium as gym
import torch
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn


def _flat_size(net: nn.Module, shape: Tuple[int, ...]) -> int:
    with torch.no_grad():
        return int(net(torch.zeros((1,) + shape)).shape[1])


class TilesCNN(BaseFeaturesExtractor):
    """Features of stacked ``obs_type="tiles"`` observations.

    Input: ``(B, k, 30, 32, 4)`` (SB3 passes the uint8 observation as float; the values are
    whole numbers). Every other row and column is kept, ``(k, 15, 16)`` cells 16 pixels apart:
    a 16 x 16 object (SMB's metatiles, Mario, enemies) covers exactly one such cell centre in
    each direction wherever the scroll puts it, and the grid costs a quarter. Tile indices
    are categories, not intensities, so the background tile (channel 0) and the sprite tile
    (channel 2; category 0 where channel 3 says no sprite) each go through a learned embedding
    of ``embed_dim`` values; the palettes (channels 1, 3) are dropped. The ``k`` frames'
    embeddings are stacked as ``2 * embed_dim * k`` channels, then a 3 x 3 stride-2 convolution
    (32 maps, 8 x 8), a 3 x 3 one (32 maps) and a linear layer: about 1.6 M multiply-adds a
    forward pass, a sixth of ``NatureCNN`` on ``(4, 84, 84)``.

    Output: ``(B, features_dim)`` float32.
    """

    def __init__(self, observation_space: gym.spaces.Box, features_dim: int = 256,
                 embed_dim: int = 8):
        super().__init__(observation_space, features_dim)
        if len(observation_space.shape) != 4 or observation_space.shape[3] != 4:
            raise ValueError(f"TilesCNN wants (k, 30, 32, 4) tiles, got {observation_space.shape}")
        k, rows, cols, _ = observation_space.shape
        self.background = nn.Embedding(256, embed_dim)
        self.sprite = nn.Embedding(257, embed_dim)  # 0: no sprite; tile t is t + 1
        c = 2 * embed_dim * k
        self.cnn = nn.Sequential(
            nn.Conv2d(c, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.Flatten())
        n = _flat_size(self.cnn, (c, (rows + 1) // 2, (cols + 1) // 2))
        self.linear = nn.Sequential(nn.Linear(n, features_dim), nn.ReLU())

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        x = obs[:, :, ::2, ::2].long()
        sprite = torch.where(x[..., 3] > 0, x[..., 2] + 1, torch.zeros_like(x[..., 2]))
        h = torch.cat([self.background(x[..., 0]), self.sprite(sprite)], dim=-1)  # B,k,R,C,2E
        b, k, r, c, e = h.shape
        h = h.permute(0, 1, 4, 2, 3).reshape(b, k * e, r, c)
        return self.linear(self.cnn(h))


class SmallCNN(BaseFeaturesExtractor):
    """A two-layer CNN for small stacked grayscale frames, ``(B, k, H, W)`` scaled to 0-1 by
    SB3 (e.g. ``(4, 42, 42)``): 4 x 4 stride 2 (16 maps), 3 x 3 stride 2 (32 maps), linear.

    Output: ``(B, features_dim)`` float32.
    """

    def __init__(self, observation_space: gym.spaces.Box, features_dim: int = 256):
        super().__init__(observation_space, features_dim)
        k = observation_space.shape[0]
        self.cnn = nn.Sequential(
            nn.Conv2d(k, 16, 4, stride=2), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2), nn.ReLU(), nn.Flatten())
        n = _flat_size(self.cnn, tuple(observation_space.shape))
        self.linear = nn.Sequential(nn.Linear(n, features_dim), nn.ReLU())

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.linear(self.cnn(obs))


def sb3_policy(obs_name: str) -> Tuple[str, dict]:
    """SB3 policy name and ``policy_kwargs`` for an observation of
    :data:`smb_common.OBSERVATIONS` (``"pixels"``: SB3's own ``CnnPolicy``, ``NatureCNN``).

    Raises:
        KeyError: an unknown name.
    """
    extractors = {"pixels": None, "pixels42": SmallCNN, "tiles": TilesCNN}
    cls = extractors[obs_name]
    if cls is None:
        return "CnnPolicy", {}
    # the heads straight on the features, as CnnPolicy has them on NatureCNN's
    return "CnnPolicy", dict(features_extractor_class=cls, net_arch=[])
