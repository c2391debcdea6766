"""The style map: clusters stay together, and an added player lands by its kind, moving nobody."""

from __future__ import annotations

import numpy as np
import torch

from stylespace.mhr import StyleConfig
from stylespace.model import ModelConfig
from stylespace.projection import StyleMap, build_map, players_like
from stylespace.style_model import StyleModel

TINY = ModelConfig(d_model=16, n_layers=1, n_heads=2, mlp_ratio=2, head_dim=8)


def _clustered_model(per_cluster: int = 15) -> StyleModel:
    """Three families of players with nearby style vectors."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 8)) * 3
    players = [
        {"name": f"family{c}-{i}", "task_id": c * per_cluster + i}
        for c in range(3)
        for i in range(per_cluster)
    ]
    model = StyleModel(TINY, StyleConfig(n_skills=4, n_splits=2, rank=2), players)
    vectors = np.concatenate(
        [centres[c] + rng.normal(size=(per_cluster, 8)) * 0.3 for c in range(3)]
    )
    with torch.no_grad():
        model.router.module_logits.copy_(torch.tensor(vectors, dtype=torch.float32))
    return model


def test_an_enrolled_player_is_placed_among_its_family_and_moves_nobody(tmp_path):
    model = _clustered_model()
    style_map, method, stability = build_map(model, seed=0)
    assert method == "neighbours"
    assert stability["neighbours_error"] < stability["map_spread"]
    style_map.save(tmp_path, method, stability)
    before = StyleMap.load(model, tmp_path)

    newcomer = model.style_vector("family1-0") * 1.02
    model.set_player("newcomer", newcomer, enrolled=True)
    after = StyleMap.load(model, tmp_path)
    assert np.array_equal(after.coordinates[: len(before.names)], before.coordinates)
    spot = after.coordinates[after.names.index("newcomer")]
    distances = {
        c: np.linalg.norm(
            style_map.coordinates[[n.startswith(f"family{c}") for n in style_map.names]] - spot,
            axis=1,
        ).mean()
        for c in range(3)
    }
    assert min(distances, key=distances.get) == 1


def test_players_like_finds_the_same_family():
    model = _clustered_model()
    similar = players_like(model, "family2-3", top=5)
    assert len(similar) == 5 and all(name.startswith("family2-") for name, _ in similar)
    assert "family2-3" not in [name for name, _ in similar]


def test_a_model_of_one_or_two_players_still_gets_a_map():
    """UMAP needs two neighbours a point; fewer players are laid out by principal components."""
    clustered = _clustered_model(per_cluster=1)
    for players in (1, 2):
        model = StyleModel(TINY, StyleConfig(n_skills=4, n_splits=2, rank=2), [])
        for player in clustered.players[:players]:
            model.set_player(player["name"], clustered.style_vector(player["name"]))
        style_map, _, stability = build_map(model, seed=0)
        assert stability["layout"] == "principal components"
        assert style_map.coordinates.shape == (players, 2)
        assert np.isfinite(style_map.coordinates).all()
    first, second = style_map.coordinates  # two players with different vectors lie apart
    assert np.linalg.norm(first - second) > 0
