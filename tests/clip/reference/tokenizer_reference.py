#!/usr/bin/python3
"""Independent reference for promptlab's CLIP tokenizer (standard library only).

Usage: tokenizer_reference.py VOCAB INPUT.json
INPUT.json holds a JSON list of strings; prints a JSON list with, per string,
the BPE ids without SOT/EOT (or {"error": message}).

Implements docs/protocol.md §2 from the facts: ftfy.fix_text's default fixes
for the common cases, html.unescape twice, strip, whitespace collapse, lower();
the pre-tokenizing regex re-built from unicodedata categories (the stdlib `re`
has no \\p{L}); byte-level BPE by merge rank.
"""
import gzip
import html
import html.entities
import json
import re
import sys
import unicodedata

OPENAI_HEADER = '"bpe_simple_vocab_16e6.txt#version: 0.2'
OPENAI_MERGES = 48894


def byte_symbols():
    keep = [b for b in range(256) if (33 <= b <= 126) or (0xA1 <= b <= 0xAC) or (0xAE <= b <= 0xFF)]
    table = {b: chr(b) for b in keep}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    order = keep + [b for b in range(256) if b not in keep]
    return table, order


BYTE_SYMBOL, BYTE_ORDER = byte_symbols()


def load_merges(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    lines = raw.decode("utf-8").split("\n")
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    body = lines[1:]
    if lines[0].rstrip("\r") == OPENAI_HEADER:
        body = body[:OPENAI_MERGES]
    return [tuple(line.split()) for line in body]


# ---- ftfy.fix_text defaults, common cases ---------------------------------

def _ftfy_entities():
    table = {}
    for name, char in html.entities.html5.items():
        if not name.endswith(";"):
            continue
        table["&" + name] = char
        if name == name.lower():
            upper = "&" + name.upper()
            if html.unescape(upper) == upper:
                table[upper] = char.upper()
    return table


FTFY_ENTITIES = _ftfy_entities()
FTFY_ENTITY_RE = re.compile(r"&#?[0-9A-Za-z]{1,24};")


def ftfy_unescape(text):
    def one(m):
        s = m.group(0)
        if s in FTFY_ENTITIES:
            return FTFY_ENTITIES[s]
        if s.startswith("&#"):
            out = html.unescape(s)
            return s if ";" in out else out
        return s
    return FTFY_ENTITY_RE.sub(one, text)


def sloppy_cp1252_bytes(text):
    out = bytearray()
    for ch in text:
        o = ord(ch)
        if o < 0x80 or 0xA0 <= o <= 0xFF:
            out.append(o)
            continue
        if o in (0x81, 0x8D, 0x8F, 0x90, 0x9D):
            out.append(o)
            continue
        try:
            enc = ch.encode("cp1252")
        except UnicodeEncodeError:
            return None
        out += enc
    return bytes(out)


def fix_mojibake(text):
    if all(ord(c) < 0x80 for c in text):
        return text
    raw = sloppy_cp1252_bytes(text)
    if raw is None:
        return text
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return text


def c1_to_cp1252(ch):
    o = ord(ch)
    if o in (0x81, 0x8D, 0x8F, 0x90, 0x9D):
        return ch
    return bytes([o]).decode("cp1252")


LIGATURE_MAP = {
    "\u0132": "IJ", "\u0133": "ij", "\u0149": "\u02bcn",
    "\u01c4": "D\u017d", "\u01c5": "D\u017e", "\u01c6": "d\u017e",
    "\u01c7": "LJ", "\u01c8": "Lj", "\u01c9": "lj",
    "\u01ca": "NJ", "\u01cb": "Nj", "\u01cc": "nj",
    "\u01f1": "DZ", "\u01f2": "Dz", "\u01f3": "dz",
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
    "\ufb04": "ffl", "\ufb05": "\u017ft", "\ufb06": "st",
}
WIDTH_MAP = {0x3000: " "}
for _cp in range(0xFF01, 0xFFF0):
    _alt = unicodedata.normalize("NFKC", chr(_cp))
    if _alt != chr(_cp):
        WIDTH_MAP[_cp] = _alt

REMOVED_CONTROLS = set(range(0x00, 0x09)) | {0x0B} | set(range(0x0E, 0x20)) | {0x7F} \
    | set(range(0x206A, 0x2070)) | {0xFEFF} | set(range(0xFFF9, 0xFFFD)) \
    | set(range(0x1D173, 0x1D17B)) | set(range(0xE0000, 0xE0080))
ANSI_RE = re.compile("\x1b\\[[0-9;]*[A-Za-z]")


def fix_chars(text):
    out = []
    for ch in text:
        o = ord(ch)
        if 0x80 <= o <= 0x9F:
            out.append(c1_to_cp1252(ch))
        elif ch in LIGATURE_MAP:
            out.append(LIGATURE_MAP[ch])
        elif o in WIDTH_MAP:
            out.append(WIDTH_MAP[o])
        elif o == 0x2BC or 0x2018 <= o <= 0x201B:
            out.append("'")
        elif 0x201C <= o <= 0x201F:
            out.append('"')
        else:
            out.append(ch)
    text = "".join(out)
    text = text.replace("\r\n", "\n")
    for brk in ("\r", "\u2028", "\u2029", "\x85"):
        text = text.replace(brk, "\n")
    return text


def fix_segment(text, unescape):
    for _ in range(16):
        before = text
        if unescape:
            text = ftfy_unescape(text)
        text = fix_mojibake(text)
        text = fix_chars(text)
        text = ANSI_RE.sub("", text)
        text = "".join(c for c in text if ord(c) not in REMOVED_CONTROLS)
        text = unicodedata.normalize("NFC", text)
        if text == before:
            break
    return text


def fix_text(text):
    out = []
    unescape = True
    pos = 0
    while pos < len(text):
        brk = text.find("\n", pos) + 1
        if brk == 0:
            brk = len(text)
        segment = text[pos:brk]
        if "<" in segment:
            unescape = False
        out.append(fix_segment(segment, unescape))
        pos = brk
    return "".join(out)


def clean(text):
    text = fix_text(text)
    text = html.unescape(html.unescape(text)).strip()
    text = re.sub(r"\s+", " ", text).strip()
    return text.lower()


# ---- pre-tokenizer ---------------------------------------------------------

def is_letter(ch):
    return unicodedata.category(ch)[0] == "L"


def is_number(ch):
    return unicodedata.category(ch)[0] == "N"


def fold_eq(ch, want):
    return ch == want or ch == want.upper() or (want == "s" and ch == "\u017f") \
        or (want == "k" and ch == "\u212a")


LITERALS = ["<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]


def pieces(text):
    out = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        length = 0
        for lit in LITERALS:
            if i + len(lit) <= n and all(fold_eq(text[i + k], lit[k]) for k in range(len(lit))):
                length = len(lit)
                break
        if not length:
            if is_letter(ch):
                length = 1
                while i + length < n and is_letter(text[i + length]):
                    length += 1
            elif is_number(ch):
                length = 1
            elif not ch.isspace():
                length = 1
                while i + length < n:
                    c = text[i + length]
                    if c.isspace() or is_letter(c) or is_number(c):
                        break
                    length += 1
            else:
                i += 1
                continue
        out.append(text[i:i + length])
        i += length
    return out


# ---- BPE -------------------------------------------------------------------

class Reference:
    def __init__(self, merges):
        vocab = [BYTE_SYMBOL[b] for b in BYTE_ORDER]
        vocab += [v + "</w>" for v in vocab]
        vocab += ["".join(m) for m in merges]
        vocab += ["<|startoftext|>", "<|endoftext|>"]
        self.ids = {s: i for i, s in enumerate(vocab)}
        self.rank = {m: r for r, m in enumerate(merges)}
        self.memo = {}

    def word(self, piece):
        if piece in ("<|startoftext|>", "<|endoftext|>"):
            return [piece]
        if piece in self.memo:
            return self.memo[piece]
        syms = [BYTE_SYMBOL[b] for b in piece.encode("utf-8")]
        syms[-1] += "</w>"
        while len(syms) > 1:
            best = None
            for pair in zip(syms, syms[1:]):
                r = self.rank.get(pair)
                if r is not None and (best is None or r < best[0]):
                    best = (r, pair)
            if best is None:
                break
            a, b = best[1]
            merged, k = [], 0
            while k < len(syms):
                if k + 1 < len(syms) and syms[k] == a and syms[k + 1] == b:
                    merged.append(a + b)
                    k += 2
                else:
                    merged.append(syms[k])
                    k += 1
            syms = merged
        self.memo[piece] = syms
        return syms

    def encode(self, text):
        ids = []
        for piece in pieces(clean(text)):
            ids.extend(self.ids[s] for s in self.word(piece))
        return ids


def main():
    vocab, inputs = sys.argv[1], sys.argv[2]
    ref = Reference(load_merges(vocab))
    with open(inputs, encoding="utf-8") as f:
        texts = json.load(f)
    out = []
    for t in texts:
        try:
            out.append(ref.encode(t))
        except Exception as e:  # reported per string, compared by the test
            out.append({"error": str(e)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
