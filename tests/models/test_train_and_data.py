"""The sorting data, the held-out split, and a few training steps (never a full run here)."""

import numpy as np
import pytest

from mmcore.errors import MMError
from mmcore.models import all_inputs, decode, encode
from mmcore.models._gpt import SORTER_CONFIG, count_params, decayed_names, init_params
from mmcore.models._sorting import is_holdout, sort_examples
from mmcore.models._train import TrainSettings, train


def test_examples_follow_mingpt_sort_dataset():
    x, y = sort_examples(np.array([[2, 1, 0, 1, 1, 2]]))
    assert x.tolist() == [[2, 1, 0, 1, 1, 2, 0, 1, 1, 1, 2]]
    assert y.tolist() == [[-1, -1, -1, -1, -1, 0, 1, 1, 1, 2, 2]]


def test_letters_round_trip_and_reject_others():
    assert decode(encode("CBABCA")) == "CBABCA"
    with pytest.raises(MMError, match="letters from 'ABC', got 'CBD'"):
        encode("CBD")


def test_holdout_split_is_deterministic_and_about_a_quarter():
    inputs = all_inputs()
    held = is_holdout(inputs)
    assert 0.2 < held.mean() < 0.3
    assert held.tolist() == is_holdout(inputs.copy()).tolist()


def test_parameter_count_and_decay_groups():
    params = init_params(SORTER_CONFIG, np.random.default_rng(0))
    assert count_params(params) == 85728
    decayed = decayed_names(SORTER_CONFIG)
    assert "lm_head.weight" in decayed and "transformer.h.2.mlp.c_fc.weight" in decayed
    assert not decayed & {"transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.ln_1.weight",
                          "transformer.h.0.attn.c_attn.bias"}
    assert params["transformer.h.1.mlp.c_proj.weight"].std() == pytest.approx(0.02 / np.sqrt(6), rel=0.05)
    assert params["transformer.h.1.mlp.c_fc.weight"].std() == pytest.approx(0.02, rel=0.05)


def test_few_steps_reduce_the_loss_deterministically():
    settings = TrainSettings(iters=6, log_every=5, batch_size=8)  # small: fast even with busy BLAS threads
    first = train(settings)
    (s0, l0), (s1, l1) = first.losses
    assert (s0, s1) == (0, 5)
    assert 1.0 < l0 < 1.25          # ~ln 3 at the start
    assert l1 < 0.8 * l0
    again = train(TrainSettings(iters=2, batch_size=8))
    other = train(TrainSettings(iters=2, seed=1, batch_size=8))
    short = train(TrainSettings(iters=2, batch_size=8))
    name = "transformer.h.0.attn.c_attn.weight"
    assert np.array_equal(again.params[name], short.params[name])
    assert not np.array_equal(again.params[name], other.params[name])
