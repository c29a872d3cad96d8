"""The gym-super-mario-bros 7.4 ids are registered on ``import nesenv`` (no ROM needed)."""
import gymnasium as gym

import nesenv
from nesenv.registration import env_ids


def test_all_upstream_ids_and_lost_levels_stages_are_registered():
    ids = set(env_ids())
    expected = {f"SuperMarioBros-v{v}" for v in range(4)}
    expected |= {f"SuperMarioBrosRandomStages-v{v}" for v in range(4)}
    expected |= {"SuperMarioBros2-v0", "SuperMarioBros2-v1"}
    expected |= {f"SuperMarioBros-{w}-{s}-v{v}" for w in range(1, 9) for s in range(1, 5)
                 for v in range(4)}
    expected |= {f"SuperMarioBros2-{w}-{s}-v{v}" for w in range(1, 9) for s in range(1, 5)
                 for v in range(2)}
    assert ids == expected
    assert len(ids) == 4 + 4 + 2 + 128 + 64
    assert all(i in gym.registry for i in ids)


def test_kwargs_follow_upstream():
    spec = gym.spec("SuperMarioBros-4-2-v2")
    assert spec.entry_point == "nesenv.smb:SuperMarioBrosEnv"
    assert spec.kwargs == {"rom_mode": "pixel", "target": (4, 2)}
    assert gym.spec("SuperMarioBros2-v1").kwargs == {"rom_mode": "downsample", "lost_levels": True}
    assert gym.spec("SuperMarioBrosRandomStages-v3").kwargs == {"rom_mode": "rectangle"}
    assert gym.spec("SuperMarioBros-v0").max_episode_steps == 9999999


def test_registering_again_is_harmless():
    assert nesenv.register_envs() == list(env_ids())


def test_make_alias():
    assert nesenv.make is gym.make
