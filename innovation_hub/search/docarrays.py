"""Per-document arrays (type, id, facets, years, lengths, the stored runs) in a file beside each segment.

Every search reads these for all documents (filters, facet counts, ranking, a hit's type and id), so
they are read once per segment and kept while the segment lives (index.SearchIndex). They used to be
Whoosh columns: its column iterators unpack one value per Python call (7 facets and the sort and
length columns of 100k records took ~2 s), so they were read out of its column file layout through
private attributes. The application now writes them itself, one file a segment, `<segment id>.ihdocs`
in the index folder, laid out to be read by whole arrays (measured against the columns on the same
100k catalogue, in CPU time: reading them in gunicorn's master 132–142 ms where it took 141–170 ms,
title_runs included now; searches the same, with 4 % fewer Python calls):

    b"IHDOCS2\\n"                  magic and format version
    4 bytes, little-endian        the header's length
    header                        JSON: {"docs": n, "byteorder": …, "arrays": {name: {kind, offset, size, …}}}
    data                          the arrays end to end; offsets count from the data's start

A number array is n machine values of its typecode (array.frombytes of one slice: an array rather than
one int object each is less memory, and reading it after gunicorn's fork writes no reference counts
into pages the master shares with the workers); a facet is a table of its values plus one small
number a document (typecode B, H or I by the table's size); a text is its documents' values end to
end and the n + 1 positions where each starts (and the last ends): "bytes" kept as UTF-8 bytes
(title_runs, looked up per document), "text" decoded in one call to one str (body_runs,
documents.TEXT_ENCODING, scanned with str.find; positions in characters). A "text" also has its
characters' postings (char_postings: for each distinct character, the sorted numbers of the documents
holding it, typecode H or I by the segment's size, end to end, with where each starts; then the same for
the character pairs in PAIR_SHARE of the documents or more, "pairs"), so a search looks only in the
documents that hold every character and frequent pair of its needle, and a needle that is one frequent
pair is answered by its postings alone (index.text_matches). A file written before pairs has none.

Written to a temporary name and renamed (os.replace) after Whoosh writes its segment and before the
table of contents that makes the segment live (whoosh_adapter.commit): a reader never sees a live
segment without its file, and Whoosh's clean-up deletes the file with its segment (the names match
the segment's, whoosh.index.clean_files). A segment merged into a new one by a drain gives the new
file its live documents' values, in the merge's order; deleted documents keep their values (Whoosh
marks them deleted, reader.is_deleted) until a merge drops them.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import accumulate, chain
from operator import add
from pathlib import Path

from . import documents, whoosh_adapter

FACET, BYTES, TEXT = "facet", "bytes", "text"

# name -> kind (a number's array typecode, FACET, BYTES or TEXT). Adding an array: one line here and
# its value in documents.py's documents (then bump schema.SCHEMA_VERSION so indexes are rebuilt).
ARRAYS = {
    "type": FACET,
    "record_id": "I",
    "category": FACET,
    "kind": FACET,
    "level": FACET,
    "industry": FACET,
    "district": FACET,
    "year": "i",  # filtered and counted
    "newest": "q",  # sorts only
    # Field lengths in characters, for the ranking's length normalisation (queries.py).
    "title_len": "I",
    "body_len": "I",
    # The record's studio (a studio's own id): a studio found by name or host unit brings its records.
    "studio_id": "I",
    # The record's updated_at when it was indexed (documents.version): flask check finds stale documents.
    "version": "q",
    # The title's analysis.run_text (UTF-8). A title phrase is confirmed here among the documents that
    # have all its bigrams (cheaper than Whoosh's positional phrase matcher).
    "title_runs": BYTES,
    # Summaries are searched here alone, as one str per segment (index.text_matches): their bigrams were
    # 73 % of all postings, and so of indexing time. UTF-16-LE: str.find over two bytes a character is
    # faster than bytes.find over UTF-8's three.
    "body_runs": TEXT,
}
MAGIC = b"IHDOCS2\n"
SUFFIX = ".ihdocs"
_LENGTH = struct.Struct("<I")


class ArraysMissing(FileNotFoundError):
    """A live segment without its arrays file (or with one for another number of documents)."""


def path_for(folder: Path | str, segment_id: str) -> Path:
    return Path(folder) / f"{segment_id}{SUFFIX}"


class Runs:
    """A text array's values by document number, as bytes (what Whoosh's column reader gave)."""

    __slots__ = ("data", "starts")

    def __init__(self, data: bytes, starts: array):
        self.data, self.starts = data, starts

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, docnum: int) -> bytes:
        return self.data[self.starts[docnum]:self.starts[docnum + 1]]

    @classmethod
    def joined(cls, parts: list[Runs]) -> Runs:
        starts, base = array("Q", [0]), 0
        for part in parts:
            starts.extend(base + s for s in part.starts[1:])
            base += len(part.data)
        return cls(b"".join(part.data for part in parts), starts)


class SegmentArrays:
    """One segment's arrays file, memory-mapped: arrays are read from it when first asked for.

    The map stays valid after a commit deletes the file (a merged segment), as Whoosh's own maps do,
    so a searcher opened before the commit goes on reading its segments' arrays.
    """

    def __init__(self, path: Path, doc_count: int | None = None):
        try:
            with open(path, "rb") as handle:
                self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except FileNotFoundError:
            raise ArraysMissing(f"{path.name}: 文件缺失") from None
        if self._map[:len(MAGIC)] != MAGIC:
            raise ArraysMissing(f"{path.name}: 不是文档数组文件")
        (length,) = _LENGTH.unpack_from(self._map, len(MAGIC))
        header_end = len(MAGIC) + _LENGTH.size + length
        header = json.loads(self._map[len(MAGIC) + _LENGTH.size:header_end])
        self.doc_count: int = header["docs"]
        if doc_count is not None and doc_count != self.doc_count:
            raise ArraysMissing(f"{path.name}: 记录了 {self.doc_count} 个文档，分段有 {doc_count} 个")
        self._swap = header["byteorder"] != sys.byteorder
        self._base = header_end
        self._arrays: dict = header["arrays"]

    def _slice(self, offset: int, size: int) -> memoryview:
        start = self._base + offset
        return memoryview(self._map)[start:start + size]

    def _numbers(self, typecode: str, offset: int, size: int) -> array:
        values = array(typecode)
        with self._slice(offset, size) as view:
            values.frombytes(view)
        if self._swap:
            values.byteswap()
        return values

    def values(self, name: str) -> array | list | Runs:
        """A number array as an array, a facet as a list of its values, a BYTES text as Runs (a TEXT: text())."""
        spec = self._arrays[name]
        kind = ARRAYS[name]
        if kind == FACET:
            table = spec["values"]
            return list(map(table.__getitem__, self._numbers(spec["typecode"], spec["offset"], spec["size"])))
        if kind == BYTES:
            with self._slice(spec["offset"], spec["size"]) as view:
                data = bytes(view)
            return Runs(data, self._numbers("Q", *spec["starts"]))
        return self._numbers(kind, spec["offset"], spec["size"])

    def text(self, name: str) -> tuple[str, array]:
        """A TEXT array as (its values end to end, decoded at once; where each starts, and the end)."""
        spec = self._arrays[name]
        with self._slice(spec["offset"], spec["size"]) as view:
            text = str(view, spec["encoding"])
        return text, self._numbers("Q", *spec["starts"])

    def char_postings(self, name: str) -> CharPostings:
        """A TEXT array's character index (see the module's docstring)."""
        spec = self._arrays[name]["chars"]
        return CharPostings(spec["chars"], self._numbers("Q", *spec["bounds"]),
                            self._numbers(spec["typecode"], *spec["postings"]), spec.get("pairs", ""))


# A text's character pairs held by this share of a segment's documents, or more, have postings too
# (from PAIR_MIN_DOCS documents): a common word's two characters are in 36k summaries at 100k records,
# and str.find looking in each of them was most of its search (index.text_matches).
PAIR_SHARE = 1 / 50
PAIR_MIN_DOCS = 256


class CharPostings:
    """Each distinct character of a segment's text, and each of its frequent character pairs (PAIR_SHARE)
    -> the sorted numbers of the documents holding it."""

    __slots__ = ("bounds", "chars", "postings")

    def __init__(self, chars: str, bounds: array, postings: array, pairs: str = ""):
        units = [*chars, *(pairs[i:i + 2] for i in range(0, len(pairs), 2))]
        self.chars = {unit: i for i, unit in enumerate(units)}
        self.bounds, self.postings = bounds, postings

    def has(self, unit: str) -> bool:
        """Whether `unit` (a character or a pair) has postings: a pair that has none may still occur."""
        return unit in self.chars

    def count(self, unit: str) -> int:
        """How many documents hold `unit`, a character or a frequent pair (0 when none does)."""
        i = self.chars.get(unit)
        return 0 if i is None else self.bounds[i + 1] - self.bounds[i]

    def docs(self, unit: str) -> array:
        i = self.chars.get(unit)
        if i is None:
            return array("I")
        return self.postings[self.bounds[i]:self.bounds[i + 1]]


def _pairs(value: str) -> set[str]:
    return set(map(add, value, value[1:]))  # its two-character substrings, made in C


def _char_postings(values: list[str]) -> tuple[str, str, str, array, array]:
    """(the distinct characters, the frequent pairs end to end, the postings' typecode, where each
    character's and then each pair's postings start, the postings end to end) of a segment's documents
    `values`: one set() a document, its number appended to each of its characters' lists; then the
    pairs counted, and those in PAIR_SHARE of the documents (no space in them) listed the same way."""
    lists: defaultdict[str, list[int]] = defaultdict(list)
    for docnum, value in enumerate(values):
        for char in set(value):
            lists[char].append(docnum)
    pair_lists: dict[str, list[int]] = {}
    if len(values) >= PAIR_MIN_DOCS:
        counts = Counter()
        for value in values:
            counts.update(_pairs(value))
        least = len(values) * PAIR_SHARE
        pair_lists = {pair: [] for pair, n in counts.items() if n >= least and " " not in pair}
        frequent = pair_lists.keys()
        for docnum, value in enumerate(values):
            for pair in frequent & _pairs(value):
                pair_lists[pair].append(docnum)
    typecode = "H" if len(values) <= 1 << 16 else "I"
    chars, pairs = "".join(lists), "".join(pair_lists)
    postings = array(typecode)
    for docs in chain(lists.values(), pair_lists.values()):
        postings.extend(docs)
    bounds = array("Q", accumulate(map(len, chain(lists.values(), pair_lists.values())), initial=0))
    return chars, pairs, typecode, bounds, postings


class Rows:
    """The arrays of the documents one writer adds, in the order they are added."""

    def __init__(self):
        self.values: dict[str, list] = {name: [] for name in ARRAYS}

    def add(self, doc: dict) -> None:
        for name, values in self.values.items():
            value = doc.get(name)
            kind = ARRAYS[name]
            if kind == TEXT:
                value = (value or b"").decode(documents.TEXT_ENCODING)
            elif kind == BYTES:
                value = value or b""
            elif kind == FACET:
                value = value or ""
            else:
                value = value or 0
            values.append(value)

    def extend_from(self, arrays: SegmentArrays, docnums: list[int]) -> None:
        """The values of a merged segment's live documents `docnums`, after those added."""
        for name, values in self.values.items():
            if ARRAYS[name] == TEXT:
                text, starts = arrays.text(name)
                values.extend(text[starts[d]:starts[d + 1]] for d in docnums)
            else:
                source = arrays.values(name)
                values.extend(source[d] for d in docnums)

    def __len__(self) -> int:
        return len(self.values["type"])


def write(folder: Path | str, segment_id: str, rows: Rows) -> Path:
    """The arrays file of segment `segment_id` (atomically: a reader finds the whole file or none)."""
    chunks, header, offset = [], {}, 0

    def put(data: bytes) -> tuple[int, int]:
        nonlocal offset
        chunks.append(data)
        offset += len(data)
        return offset - len(data), len(data)

    for name, values in rows.values.items():
        kind = ARRAYS[name]
        if kind == FACET:
            table = list(dict.fromkeys(values))
            code = {value: i for i, value in enumerate(table)}
            typecode = "B" if len(table) <= 1 << 8 else "H" if len(table) <= 1 << 16 else "I"
            start, size = put(array(typecode, map(code.__getitem__, values)).tobytes())
            header[name] = {"kind": kind, "typecode": typecode, "values": table, "offset": start, "size": size}
        elif kind in (BYTES, TEXT):
            data = "".join(values).encode(documents.TEXT_ENCODING) if kind == TEXT else b"".join(values)
            start, size = put(data)
            starts = put(array("Q", accumulate(map(len, values), initial=0)).tobytes())
            header[name] = {"kind": kind, "offset": start, "size": size, "starts": starts}
            if kind == TEXT:
                header[name]["encoding"] = documents.TEXT_ENCODING
                chars, pairs, typecode, bounds, postings = _char_postings(values)
                header[name]["chars"] = {"chars": chars, "pairs": pairs, "typecode": typecode,
                                         "bounds": put(bounds.tobytes()), "postings": put(postings.tobytes())}
        else:
            start, size = put(array(kind, values).tobytes())
            header[name] = {"kind": kind, "typecode": kind, "offset": start, "size": size}
    encoded = json.dumps({"docs": len(rows), "byteorder": sys.byteorder, "arrays": header},
                         ensure_ascii=False, separators=(",", ":")).encode()
    path = path_for(folder, segment_id)
    # The temporary name is the segment's too: Whoosh's clean-up removes one a failed write left.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(MAGIC + _LENGTH.pack(len(encoded)) + encoded)
        handle.writelines(chunks)
    os.replace(tmp, path)
    return path


def problems(folder: Path | str, segments: Iterable[tuple[str, int]]) -> list[tuple[str, str]]:
    """(segment id, what is wrong) for each of `segments` ((id, document count)) whose arrays file is
    missing or counts another number of documents."""
    out = []
    for segment_id, doc_count in segments:
        try:
            SegmentArrays(path_for(folder, segment_id), doc_count)
        except ArraysMissing as missing:
            out.append((segment_id, str(missing)))
    return out


class Writer:
    """A Whoosh writer that also writes the arrays file of the segment it makes.

    Documents come as documents.py builds them: the Whoosh fields go to Whoosh, the ARRAYS to Rows.
    """

    def __init__(self, writer, folder: Path | str):
        self.whoosh, self.folder = writer, Path(folder)
        self.rows = Rows()
        self._fields = frozenset(writer.schema.names())

    @classmethod
    def of(cls, ix, **options) -> Writer:
        """ix.writer(**options) (it takes the index's writer lock), writing arrays into ix's folder."""
        return cls(ix.writer(**options), ix.storage.folder)

    def _whoosh_fields(self, doc: dict) -> dict:
        unknown = doc.keys() - self._fields - ARRAYS.keys()
        if unknown:  # as Whoosh would for a field it does not know: a typo is not dropped silently
            raise KeyError(f"neither a schema field nor a per-document array: {sorted(unknown)}")
        return {name: value for name, value in doc.items() if name in self._fields}

    def add_document(self, doc: dict) -> None:
        self.rows.add(doc)
        self.whoosh.add_document(**self._whoosh_fields(doc))

    def update_document(self, doc: dict) -> None:
        """Replace the document with the same key (Whoosh marks the old one deleted)."""
        self.rows.add(doc)
        self.whoosh.update_document(**self._whoosh_fields(doc))

    def delete_by_term(self, field_name: str, text: str) -> None:
        self.whoosh.delete_by_term(field_name, text)

    def commit(self, merge: str = whoosh_adapter.MERGE_SMALL) -> None:
        whoosh_adapter.commit(self.whoosh, self._write, merge)

    def _write(self, segment_id: str, doc_count: int, merged: list[tuple[str, list[int]]]) -> None:
        for merged_id, docnums in merged:
            self.rows.extend_from(SegmentArrays(path_for(self.folder, merged_id)), docnums)
        if len(self.rows) != doc_count:
            raise RuntimeError(f"segment {segment_id}: {doc_count} documents, {len(self.rows)} rows of arrays")
        write(self.folder, segment_id, self.rows)

    def cancel(self) -> None:
        self.whoosh.cancel()
