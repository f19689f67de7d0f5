import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actionzs.errors import InputError
from actionzs.video import open_video
from actionzs.video.sampling import dense_indices, multiview_indices, segment_indices
from actionzs.video.windows import TimeWindow, time_windows, window_indices


def test_segments_take_the_middle_frame_of_each_segment():
    # 100 frames, 4 segments of 25: middles at 12.5, 37.5, 62.5, 87.5 -> floor
    assert segment_indices(100, 4).tolist() == [12, 37, 62, 87]
    # 10 frames, 3 segments of 3.33: middles at 1.67, 5.0, 8.33
    assert segment_indices(10, 3).tolist() == [1, 5, 8]


def test_short_videos_repeat_frames_instead_of_failing():
    assert segment_indices(3, 8).tolist() == [0, 0, 0, 1, 1, 2, 2, 2]
    assert segment_indices(1, 4).tolist() == [0, 0, 0, 0]
    assert dense_indices(5, 4, 2).tolist() == [0, 2, 4, 1]  # loops back past the end


def test_training_offsets_stay_inside_their_segment():
    rng = np.random.default_rng(0)
    for _ in range(50):
        idx = segment_indices(90, 6, train=True, rng=rng)
        assert all(15 * s <= i < 15 * (s + 1) for s, i in enumerate(idx))


def test_dense_clip_is_centred_at_test_time():
    # span = (4-1)*3+1 = 10 frames; room = 30 - 10 = 20; centred start = 10
    assert dense_indices(30, 4, 3).tolist() == [10, 13, 16, 19]
    assert dense_indices(30, 4, 3, start=0).tolist() == [0, 3, 6, 9]


def test_multiview_segments_shift_within_segments():
    views = multiview_indices(100, 4, 2)
    # segment length 25; view 0 takes offset 0.25 (6.25), view 1 offset 0.75 (18.75)
    assert views.tolist() == [[6, 31, 56, 81], [18, 43, 68, 93]]


def test_multiview_dense_clips_are_spread_evenly():
    views = multiview_indices(100, 4, 3, stride=2)
    # MMAction2 test mode: span 4 * 2 = 8, share (100 - 8 + 1) / 3 = 31, starts int(31 c + 15.5) = 15, 46, 77
    assert views[:, 0].tolist() == [15, 46, 77]
    assert (np.diff(views, axis=1) == 2).all()


def test_time_windows_keep_timestamps_and_cut_the_last_one_at_the_end():
    windows = time_windows(10.0, window=4.0, hop=3.0)
    assert [(w.start, w.end) for w in windows] == [(0.0, 4.0), (3.0, 7.0), (6.0, 10.0)]
    tail = time_windows(11.0, window=4.0, hop=3.0)
    assert [(w.start, w.end) for w in tail][-2:] == [(6.0, 10.0), (9.0, 11.0)]  # a partial last window
    assert time_windows(8.0, window=4.0, hop=2.0)[-1] == TimeWindow(4.0, 8.0)  # exact fit: no empty extra window
    assert [(w.start, w.end) for w in time_windows(10.0, window=2.0, hop=5.0)] == [(0.0, 2.0), (5.0, 7.0)]  # gaps
    assert TimeWindow(6.0, 10.0).sample_times(4).tolist() == [6.5, 7.5, 8.5, 9.5]


def test_video_shorter_than_a_window_gives_one_window():
    assert time_windows(2.0, window=5.0, hop=1.0) == [TimeWindow(0.0, 2.0)]


def test_windows_find_frames_by_timestamp_on_a_variable_rate_video(data_dir):
    """A phone video whose frame intervals vary: a window's frames are those on screen at its times."""
    video = open_video(data_dir / "videos/decord/flipping_a_pancake.mkv")
    times = video.times()
    assert np.ptp(np.diff(times)) > 1e-3, "this clip was chosen for its variable frame rate"
    windows = time_windows(video.duration, 2.0, 1.0)
    indices = window_indices(video, windows, 4)
    for window, row in zip(windows, indices):
        for t, i in zip(window.sample_times(4), row):
            assert times[i] <= t + 1e-6 and (i + 1 == len(times) or times[i + 1] > t)


@pytest.mark.parametrize("bad", [dict(num_frames=0, num_segments=3), dict(num_frames=5, num_segments=0)])
def test_invalid_requests_raise_input_errors(bad):
    with pytest.raises(InputError):
        segment_indices(**bad)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 5000), k=st.integers(1, 64))
def test_segments_are_in_range_sorted_and_spread(n, k):
    idx = segment_indices(n, k)
    assert idx.shape == (k,)
    assert idx.min() >= 0 and idx.max() < n
    assert (np.diff(idx) >= 0).all()
    if n >= k:  # enough frames: every segment contributes a distinct frame
        assert len(set(idx.tolist())) == k


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 3000), t=st.integers(1, 32), s=st.integers(1, 8), c=st.integers(1, 5))
def test_dense_multiview_in_range_with_constant_stride(n, t, s, c):
    views = multiview_indices(n, t, c, stride=s)
    assert views.shape == (c, t)
    assert views.min() >= 0 and views.max() < n
    if (t - 1) * s + 1 <= n:
        assert (np.diff(views, axis=1) == s).all()


@settings(max_examples=300, deadline=None)
@given(duration=st.floats(0.05, 4000), win=st.floats(0.5, 20), hop=st.floats(0.25, 20))
def test_windows_cover_the_whole_video_in_order(duration, win, hop):
    windows = time_windows(duration, win, hop)
    assert windows[0].start == 0.0
    assert abs(windows[-1].end - min(duration, windows[-1].start + win)) < 1e-5
    assert all(a.start < b.start for a, b in zip(windows, windows[1:]))
    assert all(w.start < duration and 0 < w.end - w.start <= win + 1e-6 for w in windows)
    if hop <= win:  # no time left unseen
        assert all(b.start <= a.end + 1e-6 for a, b in zip(windows, windows[1:]))
        assert windows[-1].end >= duration - 1e-6
