"""Gymnasium wrappers for NES envs."""
from .joypad_space import JoypadSpace

__all__ = ["JoypadSpace"]
