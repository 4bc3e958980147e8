"""The speed fixes to Whoosh keep what it writes and reads: sort runs spilled to disk come back
complete and in order; index files read the same through their map and after the copy."""

import pickle
import random
import struct

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


def test_index_files_read_the_same_through_the_map_and_after_the_copy(monkeypatch):
    """A BufferFile reads through its buffer, then copies it once busy; pickles, integers and lines come
    back the same on either side of the switch, from where the reader was."""
    monkeypatch.setattr(whoosh_patches, "COPY_AFTER_READS", 5)
    whoosh_patches.apply()
    from whoosh.filedb.structfile import BufferFile

    records = [("检修", i, b"x" * i) for i in range(40)]
    data = b"".join(pickle.dumps(r) for r in records) + struct.pack("!i", 123456) + b"first line\nsecond"
    f = BufferFile(memoryview(data))
    assert f.file.__class__.__name__ == "_MapStream"
    assert [f.read_pickle() for _ in records] == records
    assert f.file.__class__.__name__ == "BytesIO", "copied once busy"
    assert f.read_int() == 123456
    assert f.file.readline() == b"first line\n"
    assert f.read() == b"second"
    f.seek(0)
    assert f.read_pickle() == records[0]
    assert f.get(len(data) - 6, 6) == b"second"
    f.close()


def test_an_unread_index_file_is_never_copied():
    whoosh_patches.apply()
    from whoosh.filedb.structfile import BufferFile

    f = BufferFile(memoryview(b"abcdef" * 1000))
    assert f.get(6, 3) == b"abc"
    assert f.file.__class__.__name__ == "_MapStream"
    assert f.file.readline() == b"abcdef" * 1000
    f.close()
