"""The speed fixes to Whoosh's writer keep what it writes: sort runs spilled to disk come back complete and in order."""

import random

from whoosh import writing
from whoosh.filedb.filestore import FileStorage

from innovation_hub.search import whoosh_patches


def test_spilled_posting_runs_come_back_sorted_and_complete(monkeypatch, tmp_path):
    monkeypatch.setattr(whoosh_patches, "RUN_CHUNK", 7)  # several chunks per run
    whoosh_patches.apply()
    rng = random.Random(5)
    postings = [("body_grams", f"{rng.randrange(500):03d}".encode(), rng.randrange(10_000), 1.0, b"")
                for _ in range(1_000)]
    pool = writing.PostingPool(FileStorage(str(tmp_path)), None, limitmb=0.01)  # spills every ~60 postings
    for posting in postings:
        pool.add(posting)
    assert len(pool.runs) > 10
    assert list(pool.items()) == sorted(postings)
    assert not list(tmp_path.iterdir()), "the runs' temporary files are removed"


def test_applying_twice_wraps_once():
    whoosh_patches.apply()
    pool_class = writing.PostingPool
    whoosh_patches.apply()
    assert writing.PostingPool is pool_class
    assert pool_class.__name__ == "ChunkedRunPostingPool"
