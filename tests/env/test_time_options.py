"""ALE's time and noise options on the single env: frameskip (summed rewards, early end,
pooling of the last two frames), sticky actions (repeat_action_probability) and no-op starts."""
import json

import gymnasium as gym
import numpy as np
import pytest

import nesenv  # noqa: F401  (registers the ids)
from nes_core import ObsFormat, StateError

RIGHT_B, RIGHT_A_B = 0x82, 0x83


def _make(**kw):
    return gym.make("SuperMarioBros-1-1-v0", **kw).unwrapped


def test_frameskip_sums_frame_rewards_and_pools_the_last_two_frames(smb_rom):
    k, fmt = 4, ObsFormat("grayscale", (84, 84))
    env = _make(frameskip=k, obs_type="grayscale", shape=(84, 84))
    ref = _make(obs_type="grayscale", shape=(84, 84))
    assert env.reward_range == (-15 * k, 15 * k)
    env.reset(seed=0)
    ref.reset(seed=0)
    rng = np.random.default_rng(1)
    for t in range(400):
        # mixed buttons, then running right into the first Goomba: a death mid-step
        action = int(rng.choice([RIGHT_B, RIGHT_A_B, 0x80, 0x00])) if t < 20 else RIGHT_B
        obs, reward, terminated, truncated, info = env.step(action)
        want_reward, want_end, prev = 0.0, False, None
        for f in range(k):
            if f == k - 1:
                prev = ref.nes.capture(fmt)
            _, r, want_end, _, want_info = ref.step(action)
            want_reward += r
            if want_end:
                prev = None if f < k - 1 else prev
                break
        assert reward == want_reward and terminated == want_end and info == want_info, t
        assert np.array_equal(env.nes.ram, ref.nes.ram), t
        assert np.array_equal(obs, ref.nes.observe(fmt, pool_with=prev)), t
        if terminated:
            break
    assert terminated  # the run reached a death


def test_sticky_actions_repeat_the_last_frame_action_and_follow_the_seed(smb_rom):
    always = _make(repeat_action_probability=1.0)
    always.reset(seed=0)
    x0 = always.step(RIGHT_B)[4]["x_pos"]
    for _ in range(100):
        info = always.step(RIGHT_B)[4]
    assert info["x_pos"] == x0  # the reset's no-button action sticks forever

    def run(seed, p):
        env = _make(repeat_action_probability=p, frameskip=4)
        env.reset(seed=seed)
        return [env.step(RIGHT_A_B if t % 8 < 4 else RIGHT_B)[4]["x_pos"] for t in range(80)]

    assert run(3, 0.25) == run(3, 0.25)  # reset(seed=S) repeats the draws
    assert run(3, 0.25) != run(4, 0.25) or run(3, 0.25) != run(3, 0.0)


def test_noop_starts_run_1_to_noop_max_noop_steps(smb_rom):
    plain = _make()
    plain.reset(seed=0)
    start_frame = plain.nes.frame
    seen = set()
    env = _make(noop_max=30, frameskip=2)
    for seed in range(8):
        env.reset(seed=seed)
        frames = env.nes.frame - start_frame
        assert frames % 2 == 0 and 2 <= frames <= 60, frames
        seen.add(frames)
        again = _make(noop_max=30, frameskip=2)
        again.reset(seed=seed)
        assert again.nes.save_state() == env.nes.save_state()  # the seed decides
    assert len(seen) > 3


@pytest.mark.parametrize("kw", [{"frameskip": 0}, {"frameskip": 2.0}, {"repeat_action_probability": 1.5},
                                {"repeat_action_probability": "x"}, {"noop_max": -1}, {"noop_max": 1.5}])
def test_bad_time_options_are_refused(smb_rom, kw):
    with pytest.raises(ValueError):
        _make(**kw)


def test_reset_from_a_given_state(smb_rom):
    env = _make()
    env.reset(seed=0)
    for _ in range(60):
        env.step(RIGHT_B)
    env_blob = env.save_state()
    console_blob = env.nes.save_state(screen=True)
    x = env.step(0)[4]["x_pos"]
    other = _make()
    obs, info = other.reset(options={"state": env_blob})  # console and counters
    assert other.step(0)[4]["x_pos"] == x
    obs, info = other.reset(options={"state": console_blob})  # counters from the RAM
    assert info["x_pos"] > 40 and np.array_equal(obs, other.nes.render())
    before = other.nes.save_state()
    for bad in (console_blob[:100], env.nes.save_state()):  # truncated; no picture
        with pytest.raises(StateError):
            other.reset(options={"state": bad})
        assert other.nes.save_state() == before  # a refused state changes nothing
    with pytest.raises(TypeError):
        other.reset(options={"state": 5})


def test_vector_env_per_console_start_states(smb_rom):
    vec = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=3, vectorization_mode="vector_entry_point")
    vec.reset(seed=0)
    for _ in range(50):
        vec.step(np.full(3, RIGHT_B))
    u = vec.unwrapped
    blob = u.consoles[0].save_state(screen=True)
    _, infos = vec.reset(options={"states": [None, blob, None]})
    assert infos["x_pos"][0] == infos["x_pos"][2] == 40  # the start
    assert infos["x_pos"][1] > 40  # env 1 starts where env 0 was
    before = [c.save_state() for c in u.consoles]
    for bad in (blob[:50], u.consoles[0].save_state()):  # truncated; no picture
        with pytest.raises(StateError):
            vec.reset(options={"states": [None, bad, None]})
        assert [c.save_state() for c in u.consoles] == before
    with pytest.raises(ValueError):
        vec.reset(options={"states": [blob]})
    with pytest.raises(ValueError):
        vec.reset(options={"states": [blob, None, None], "reset_mask": np.array([False, True, True])})
    vec.close()


def test_env_save_state_keeps_the_episode_frames_and_the_sticky_buttons(smb_rom):
    env = _make(repeat_action_probability=1.0, max_num_frames_per_episode=100)
    env.reset(seed=0)
    env._last_buttons = (RIGHT_B, 0)  # as if the episode had started with RIGHT_B held
    for _ in range(40):
        env.step(0)  # sticky with probability 1: RIGHT_B stays held
    blob = env.save_state()
    ref = [env.step(0)[1:4] for _ in range(60)]
    assert ref[-1][2] and not any(t for _, _, t in ref[:-1])  # truncated at frame 100 exactly
    assert not any(term for _, term, _ in ref)

    other = _make(repeat_action_probability=1.0, max_num_frames_per_episode=100)
    other.reset(seed=0)  # its own episode: frame 0, no buttons held
    other.load_state(blob)
    assert [other.step(0)[1:4] for _ in range(60)] == ref  # same rewards (RIGHT_B), same end

    # format 1 (before the env's counters were kept): loads with frame 0 and no buttons held
    head = 12 + int.from_bytes(blob[8:12], "little")
    game = json.dumps(json.loads(blob[12:head])["game"], sort_keys=True).encode()
    v1 = b"NESENV\x00\x01" + len(game).to_bytes(4, "little") + game + blob[head:]
    other.load_state(v1)
    steps = [other.step(0)[1:4] for _ in range(60)]
    assert not any(t for _, _, t in steps)  # 60 frames into its count, not 100
    assert [r for r, _, _ in steps] != [r for r, _, _ in ref]  # nothing held: Mario stands

    bad = b"NESENV\x00\x02" + (7).to_bytes(4, "little") + b'{"x":1}' + blob[head:]
    with pytest.raises(ValueError, match="corrupt nesenv save state"):
        other.load_state(bad)
@pytest.mark.parametrize("kw", [
    {"obs_type": "grayscale", "shape": (84, 84), "stack": 4},
    {"obs_type": "rgb", "frame_timing": "vblank"},
    {"obs_type": "ram"},
    {"obs_type": "tiles", "players": 2},
])
def test_the_c_step_equals_the_frame_loop(smb_rom, kw):
    """A spec game's frame-skipped step runs in one C call (NESPool.run(frameskip=...)), the
    frames before the last two undrawn; with the sound on, the env runs the same step frame by
    frame in Python, drawing every frame. Same seeded sticky draws, rewards, ends, infos, RAM
    and observations, through deaths mid-step (the C step runs such a step again to draw its
    last frame) and no-op starts."""
    opts = dict(frameskip=4, repeat_action_probability=0.25, noop_max=8, **kw)
    fast, loop = _make(**opts), _make(**opts)
    loop.nes.audio_enabled = True  # each frame's samples: the Python frame loop
    rng = np.random.default_rng(5)
    ends = 0
    for episode in range(3):
        a, _ = fast.reset(seed=episode)
        b, _ = loop.reset(seed=episode)
        assert np.array_equal(a, b)
        for t in range(400):
            action = int(rng.integers(fast.action_space.n)) if kw.get("players") != 2 else \
                rng.integers(fast.action_space.nvec)
            if t % 50 > 30:
                action = RIGHT_B if kw.get("players") != 2 else np.array([RIGHT_B, 0])
            ra, rb = fast.step(action), loop.step(action)
            assert np.array_equal(ra[0], rb[0]) and ra[1:] == rb[1:], (episode, t)
            assert np.array_equal(fast.nes.ram, loop.nes.ram), (episode, t)
            assert fast._last_buttons == loop._last_buttons
            if ra[2] or ra[3]:
                ends += 1
                break
        assert fast.np_random.random() == loop.np_random.random()  # the same draws consumed
    assert ends >= 2
    assert fast._frame_pool is not None and loop._frame_pool is None  # the two paths ran
