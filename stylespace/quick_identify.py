"""`identify` straight from a model directory, as the command line runs it.

With the model's gradient graph (`fingerprint_graph.GRAPH_FILE`, written by `stylespace
export-graph`) and ONNX Runtime, the default method runs without importing torch: the player
table in numpy (`player_table.py`), the fingerprint in ONNX Runtime (`graph_fingerprints.py`).
Otherwise, and for every other method, the model is loaded with torch. Both give the same
ranking (a test holds them equal); `engine` in the result says which ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from stylespace.authors import StylometryError
from stylespace.positions import PlayedGame
from stylespace.ranking_methods import DEFAULT_METHOD

ENGINES = ("auto", "onnxruntime", "torch")


def identify_in_directory(
    directory: Path | str,
    games: Sequence[PlayedGame],
    method: str = DEFAULT_METHOD,
    engine: str = "auto",
    **options,
) -> dict:
    """`stylometry.identify` on the model saved in `directory` (`options`: its keywords).
    `engine`: `auto` takes ONNX Runtime where it can, the others insist."""
    from stylespace.graph_fingerprints import GraphFingerprinter

    if engine not in ENGINES:
        raise StylometryError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    fast = method == "fused" and GraphFingerprinter.available(directory)
    if engine == "onnxruntime" and not fast:
        raise StylometryError(
            "--engine onnxruntime needs --method fused, onnxruntime installed and the model's "
            f"fingerprint graph: `stylespace export-graph --model {directory}` writes it"
        )
    note = None
    if fast and engine != "torch":
        from stylespace.fused import identify_fused
        from stylespace.player_table import PlayerTable

        table = PlayerTable.load(directory)
        try:
            fingerprinter = GraphFingerprinter(directory, table.trained_mean)
        except Exception as error:  # ONNX Runtime's own kinds derive from Exception only
            note = (
                f"the fingerprint graph in {directory} could not be used ({error}); identified "
                f"with torch instead: `stylespace export-graph --model {directory}` rewrites it"
            )
            if engine == "onnxruntime":
                raise StylometryError(note) from None
        else:
            found = identify_fused(table, fingerprinter, games, **options)
            return {**found, "engine": "onnxruntime"}
    from stylespace.style_model import StyleModel
    from stylespace.stylometry import identify

    model = StyleModel.load(directory)
    found = {**identify(model, games, method=method, **options), "engine": "torch"}
    return {**found, "engine_note": note} if note else found
