"""The gym-super-mario-bros 7.4, 8.0 and 9.1.0 ids are registered on ``import nesenv`` (no ROM
needed)."""
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
    expected |= {f"SuperMarioBros{w}-{s}-v{v}" for w in range(1, 9) for s in range(1, 5)
                 for v in range(4)}  # gym-super-mario-bros 8.0's aliases
    expected |= {f"SuperMarioBros2-{w}-{s}-v{v}" for w in "123456789ABCD" for s in range(1, 5)
                 for v in range(2)}  # 8.0 adds worlds 9 and A-D
    # gym-super-mario-bros 9.1.0's SMB2 USA and SMB3 ids
    expected |= {"SuperMarioBros2USA-v0", "SuperMarioBros3-v0"}
    expected |= {f"SuperMarioBros2USA-{w}-{s}-v0" for w, n in enumerate((3, 3, 3, 3, 3, 3, 2), 1)
                 for s in range(1, n + 1)}
    expected |= {f"SuperMarioBros3-1-{s}-v0" for s in (1, 2, 4, 6)}
    assert ids == expected
    assert len(ids) == 4 + 4 + 2 + 128 + 128 + 104 + 2 + 20 + 4
    assert all(i in gym.registry for i in ids)


def test_ids_match_gym_super_mario_bros_8():
    """The stage ids gym-super-mario-bros 8.0.0 registers (its _registration.py), spelled out."""
    ids = env_ids()
    assert ids["SuperMarioBros1-1-v0"] == ids["SuperMarioBros-1-1-v0"]
    assert ids["SuperMarioBros8-4-v3"]["kwargs"] == {"rom_mode": "rectangle", "target": (8, 4)}
    assert ids["SuperMarioBros2-A-1-v0"]["kwargs"] == {
        "rom_mode": "vanilla", "lost_levels": True, "target": (10, 1)}
    assert ids["SuperMarioBros2-D-4-v1"]["kwargs"]["target"] == (13, 4)
    assert "SuperMarioBros2-E-1-v0" not in ids and "SuperMarioBros21-1-v0" not in ids


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
