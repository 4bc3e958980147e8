"""The contract with Whoosh 2.7.4's internals: each private name whoosh_adapter.py relies on, by name
and signature, with a small check that it still behaves as the adapter assumes, on a tiny index. A
Whoosh upgrade fails here first. Also: the adapter refuses another Whoosh, no other module of the
search package touches a private Whoosh name, and the speed fixes keep what is written and read."""

from __future__ import annotations

import importlib
import inspect
import pickle
import random
import re
import struct
import sys
from pathlib import Path

import pytest
import whoosh
from whoosh import fields, index, writing
from whoosh.codec import whoosh3
from whoosh.filedb import structfile
from whoosh.filedb.filestore import FileStorage
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader

from innovation_hub.search import whoosh_adapter

PACKAGE = Path(whoosh_adapter.__file__).parent


def params(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def tiny_index(folder: Path, *batches: list[str], merge: bool = False):
    """An index of `batches` of keys, one committed segment each (stored keys, one shared word)."""
    schema = fields.Schema(key=fields.ID(unique=True, stored=True), body=fields.TEXT())
    ix = index.create_in(str(folder), schema)
    for batch in batches:
        writer = ix.writer()
        for key in batch:
            writer.add_document(key=key, body=f"common word{key}")
        writer.commit(merge=merge)
    return ix


def stored_keys(ix) -> list[list[str]]:
    """Each segment's stored keys, deleted ones as None, in document-number order."""
    with ix.reader() as reader:
        return [[None if leaf.is_deleted(d) else leaf.stored_fields(d)["key"] for d in range(leaf.doc_count_all())]
                for leaf, _ in reader.leaf_readers()]


# ------------------------------------------------------------------ the pin


def test_the_adapter_refuses_any_other_whoosh(monkeypatch):
    name = whoosh_adapter.__name__
    monkeypatch.setattr(whoosh, "__version__", (2, 7, 5))
    monkeypatch.delitem(sys.modules, name)  # restored (to the loaded module) after the test
    with pytest.raises(ImportError, match=r"Whoosh 2\.7\.4 exactly.*found 2\.7\.5"):
        importlib.import_module(name)


def test_the_installed_whoosh_is_the_pinned_one():
    assert tuple(whoosh.__version__) == whoosh_adapter.PINNED
    pin = re.search(r'"whoosh==([0-9.]+)"', (PACKAGE.parents[1] / "pyproject.toml").read_text(), re.I)
    assert pin and pin.group(1) == "2.7.4"


def test_no_other_module_of_the_search_package_uses_a_private_whoosh_name():
    """Outside the adapter, a leading-underscore attribute is only ever our own (self._x, cls._x) or
    Flask's current_app._get_current_object; and only the adapter imports Whoosh's writing, codec,
    matching, reading and filedb modules (where its internals live) or passes _lk."""
    allowed = {"current_app._get_current_object"}
    internal_modules = re.compile(r"^\s*(from|import)\s+whoosh\.(writing|codec|matching|reading|filedb)\b"
                                  r"|^\s*from\s+whoosh(\.\w+)?\s+import\s+.*\b(writing|codec|matching|reading|filedb)\b",
                                  re.M)
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "whoosh_adapter.py":
            continue
        source = path.read_text()
        for match in re.finditer(r"(\w+(?:\(\))?)\.(_[A-Za-z]\w*)", source):
            receiver, name = match.groups()
            if receiver in ("self", "cls") or f"{receiver}.{name}" in allowed:
                continue
            found.append(f"{path.name}: {match.group(0)}")
        found += [f"{path.name}: {m.group(0).strip()}" for m in internal_modules.finditer(source)]
        found += [f"{path.name}: _lk=" for _ in re.finditer(r"\b_lk\s*=", source)]
    assert found == [], found


# ------------------------------------------------------------------ reading postings


def test_posting_ids_reads_blocks_through_the_matchers_internals(tmp_path):
    """W3LeafMatcher._read_ids/_ids/_i/_next_block and FilterMatcher.child/_ids, over several blocks
    and with deletions: the same documents as Whoosh's own all_ids()."""
    keys = [f"{i:04d}" for i in range(700)]  # 5+ posting blocks of 128
    ix = tiny_index(tmp_path, keys)
    with ix.reader() as reader:
        matcher = reader.postings("body", "common")
        assert isinstance(matcher, whoosh3.W3LeafMatcher)
        for name in ("_read_ids", "_next_block"):
            assert params(getattr(matcher, name)) == []
        assert matcher._ids is None and matcher._i == 0  # read lazily, from the block's start
        matcher._read_ids()
        assert list(matcher._ids) == list(range(128))
        matcher._next_block()
        matcher._read_ids()
        assert matcher._ids[0] == 128 and matcher._i == 0
        assert whoosh_adapter.posting_ids(reader, "body", "common") == set(range(700))
    writer = ix.writer()
    for key in keys[::7]:
        writer.delete_by_term("key", key)
    writer.commit(merge=False)
    with ix.reader() as reader:
        (leaf, _), = reader.leaf_readers()
        matcher = leaf.postings("body", "common")
        assert isinstance(matcher, FilterMatcher) and hasattr(matcher, "child")
        assert isinstance(matcher._ids, (set, frozenset)) and len(matcher._ids) == 100
        assert isinstance(matcher.child, whoosh3.W3LeafMatcher)
        expected = set(leaf.postings("body", "common").all_ids())
        assert whoosh_adapter.posting_ids(leaf, "body", "common") == expected
        assert len(expected) == 600 and not expected & {keys.index(k) for k in keys[::7]}
        assert whoosh_adapter.posting_ids(leaf, "body", "word0001") == {1}
        assert whoosh_adapter.posting_ids(leaf, "body", "absent") == set()


# ------------------------------------------------------------------ writing segments


def test_segment_writer_internals(tmp_path):
    """SegmentWriter(_lk=…), _finalize_segment, _close_segment, _commit_toc(segments), _finish: a segment
    written without a commit, then listed as the index by another writer."""
    for name, expected in (("__init__", ["self", "ix", "poolclass", "timeout", "delay", "_lk", "limitmb",
                                         "docbase", "codec", "compound", "kwargs"]),
                           ("_finalize_segment", ["self"]), ("_close_segment", ["self"]),
                           ("_commit_toc", ["self", "segments"]), ("_finish", ["self"]),
                           ("_check_state", ["self"]), ("add_reader", ["self", "reader"])):
        assert params(getattr(writing.SegmentWriter, name)) == expected, name
    assert params(SegmentReader.__init__)[:4] == ["self", "storage", "schema", "segment"]  # what a merge opens
    ix = tiny_index(tmp_path)
    worker = whoosh_adapter.segment_writer(ix, 32)
    assert worker.writelock is None  # _lk=False: the parent holds the lock
    for key in ("a", "b"):
        worker.add_document(key=key, body="common")
    segment = whoosh_adapter.finish_segment(worker)
    assert segment.doc_count_all() == 2 and segment.is_compound()
    assert (tmp_path / f"{segment.segment_id()}.seg").exists()  # assembled: later files stay outside it
    (tmp_path / f"{segment.segment_id()}.ihdocs").write_bytes(b"ours")
    whoosh_adapter.commit_segments(ix, [segment])
    assert stored_keys(ix) == [["a", "b"]]
    assert not (tmp_path / "MAIN.tmp").exists(), "_finish removed the temporary folder"
    assert (tmp_path / f"{segment.segment_id()}.ihdocs").exists(), "a live segment's own files are kept"


def test_commit_reports_the_new_segments_document_order(tmp_path):
    """commit(): the writer's added documents, then each merged segment's live documents in the
    reported order (writer._added, .segments, add_reader over SegmentReader.all_doc_ids); the files
    named after a merged segment are deleted with it (whoosh.index.clean_files)."""
    ix = tiny_index(tmp_path, ["a1", "a2", "a3"], ["b1", "b2"], ["c1"])
    with ix.reader() as reader:
        keys_of = {leaf.segment().segment_id(): [leaf.stored_fields(d)["key"] for d in range(leaf.doc_count_all())]
                   for leaf, _ in reader.leaf_readers()}
    for segment_id in keys_of:
        (tmp_path / f"{segment_id}.ihdocs").write_bytes(b"ours")
    writer = ix.writer()
    assert writer._added is False and len(writer.segments) == 3
    writer.update_document(key="a2", body="common")  # deletes the old a2 from the first segment
    writer.add_document(key="n1", body="common")
    assert writer._added is True
    reported = []
    whoosh_adapter.commit(writer, lambda *args: reported.append(args), whoosh_adapter.MERGE_ALL)
    (segment_id, count, sources), = reported
    keys, = stored_keys(ix)
    assert count == len(keys) == 7 and segment_id not in keys_of
    assert keys == ["a2", "n1"] + [keys_of[source][d] for source, docnums in sources for d in docnums]
    assert [docnums for source, docnums in sources if keys_of[source][0] == "a1"] == [[0, 2]]
    for source in keys_of:
        assert not (tmp_path / f"{source}.ihdocs").exists(), "removed with its merged segment"
    assert writer.is_closed


def test_commit_with_nothing_added_keeps_the_segments(tmp_path):
    ix = tiny_index(tmp_path, ["a1", "a2"])
    writer = ix.writer()
    writer.delete_by_term("key", "a1")
    reported = []
    whoosh_adapter.commit(writer, lambda *args: reported.append(args), whoosh_adapter.MERGE_SMALL)
    assert reported == [] and stored_keys(ix) == [[None, "a2"]]


@pytest.mark.parametrize("sizes", [[1] * 6, [1, 2, 3, 4, 5, 6, 7], [40, 1, 1, 1, 1, 1], [30] * 5, [1, 1, 1]])
def test_the_small_merge_chooses_as_whooshs_merge_small(tmp_path, sizes):
    """_merge_plan(MERGE_SMALL) picks the segments, in the order, that writing.MERGE_SMALL merges."""
    ix = tiny_index(tmp_path, *[[f"{n}-{i}" for i in range(size)] for n, size in enumerate(sizes)])
    writer = ix.writer()
    try:
        chosen = []
        writer.add_reader = lambda reader: chosen.append(reader.segment().segment_id())
        kept = writing.MERGE_SMALL(writer, writer.segments)
        ours_kept, ours_merged = whoosh_adapter._merge_plan(writer.segments, whoosh_adapter.MERGE_SMALL)
        assert [s.segment_id() for s in ours_merged] == chosen
        assert [s.segment_id() for s in ours_kept] == [s.segment_id() for s in kept]
    finally:
        writer.cancel()
    assert chosen or sizes in ([30] * 5, [1, 1, 1])


# ------------------------------------------------------------------ the speed fixes


def test_the_speed_fixes_patch_what_they_name():
    """W3PerDocReader._cached_reader(fieldname, column) with its _readers cache; PostingPool's
    _write_run(f, items), _read_run(path), _open_run, _remove_run; BufferFile(buf, name, onclose)."""
    assert params(whoosh3.W3PerDocReader._cached_reader) == ["self", "fieldname", "column"]
    assert whoosh3.W3PerDocReader._cached_reader.innovation_hub
    original_pool = writing.PostingPool.__mro__[1]
    assert params(original_pool._write_run) == ["self", "f", "items"]
    assert params(original_pool._read_run) == ["self", "path"]
    assert params(original_pool._open_run) == ["self", "path"] and params(original_pool._remove_run) == ["self", "path"]
    assert params(structfile.BufferFile.__init__) == ["self", "buf", "name", "onclose"]
    assert params(structfile.BufferFile.get) == ["self", "position", "length"]


def test_a_missing_length_column_is_looked_for_once(tmp_path, monkeypatch):
    ix = tiny_index(tmp_path, ["a"])
    with ix.reader() as reader:
        (leaf, _), = reader.leaf_readers()
        perdoc = leaf._perdoc
        assert isinstance(perdoc, whoosh3.W3PerDocReader) and isinstance(perdoc._readers, dict)
        looks = []
        real = perdoc.has_column
        monkeypatch.setattr(perdoc, "has_column", lambda name: looks.append(name) or real(name))
        for _ in range(3):
            assert perdoc._cached_reader("_missing_length", None) is None
        assert looks == ["_missing_length"]


def test_spilled_posting_runs_come_back_sorted_and_complete(monkeypatch, tmp_path):
    monkeypatch.setattr(whoosh_adapter, "RUN_CHUNK", 7)  # several chunks per run
    whoosh_adapter.apply()
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
    whoosh_adapter.apply()
    pool_class = writing.PostingPool
    whoosh_adapter.apply()
    assert writing.PostingPool is pool_class
    assert pool_class.__name__ == "ChunkedRunPostingPool"


def test_index_files_read_the_same_through_the_map_and_after_the_copy(monkeypatch):
    """A BufferFile reads through its buffer, then copies it once busy; pickles, integers and lines come
    back the same on either side of the switch, from where the reader was."""
    monkeypatch.setattr(whoosh_adapter, "COPY_AFTER_READS", 5)
    whoosh_adapter.apply()
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
    whoosh_adapter.apply()
    from whoosh.filedb.structfile import BufferFile

    f = BufferFile(memoryview(b"abcdef" * 1000))
    assert f.get(6, 3) == b"abc"
    assert f.file.__class__.__name__ == "_MapStream"
    assert f.file.readline() == b"abcdef" * 1000
    f.close()
