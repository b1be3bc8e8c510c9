#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets that start from the suite:
  smtp_session         the client side of every session in scenarios/ and of
                       every SMTP script in ../shared/conformance (when
                       present), one file each, the first byte the chunking seed;
  scenario_reader      the smallest scenario files, the smallest of each folder
                       first (at most 45 files, 200 KB);
  transcript_importer  the smallest conformance transcripts (golden/*.json),
                       each followed by its case's session scripts as
                       "\n=== NAME\n" sections, the seeds' prose transcripts
                       and S:/C: dialogues made from the suite (at most 50
                       files, 250 KB).

usage: fuzz/make_corpus.py [TARGET...]   (default: all three, into fuzz/corpus/TARGET)"""
import base64, hashlib, os, pathlib, re, sys, xml.etree.ElementTree as ET

root = pathlib.Path(__file__).resolve().parent.parent
shared = root.parent / "shared"
ns = "{urn:mailflow:scenario:1}"
targets = sys.argv[1:] or ["smtp_session", "scenario_reader", "transcript_importer"]


def write_corpus(target, inputs):
    """Adds `inputs` to fuzz/corpus/TARGET, each named by its hash (what fuzzing added stays)."""
    out = root / "fuzz/corpus" / target
    out.mkdir(parents=True, exist_ok=True)
    for data in inputs:
        (out / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)
    print(f"{len(inputs)} seeds, {sum(map(len, inputs)) // 1024} KB in {out}")


def capped(candidates, files, total):
    """The candidates in order while they fit in `files` files and `total` bytes."""
    out, size = [], 0
    for data in candidates:
        if len(out) < files and size + len(data) <= total:
            out.append(data)
            size += len(data)
    return out


def unescape(s):
    return s.encode("latin-1", "replace").decode("unicode_escape").encode("latin-1", "replace")

def smtp_session_inputs():
    inputs = []
    for f in sorted((root / "scenarios").rglob("*.xml")):
        try:
            doc = ET.parse(f).getroot()
        except ET.ParseError:
            continue
        for s in doc.iter(ns + "session"):
            if s.get("protocol", "smtp") != "smtp":
                continue
            b = b""
            for st in s:
                tag = st.tag.replace(ns, "")
                if tag == "send":
                    b += st.get("line", "").encode("latin-1", "replace") + b"\r\n"
                elif tag == "raw":
                    b += unescape(st.get("bytes", ""))
                elif tag == "auth-plain":
                    cred = b"\0" + st.get("user", "").encode() + b"\0" + st.get("password", "").encode()
                    b += b"AUTH PLAIN " + base64.b64encode(cred) + b"\r\n"
            if b:
                inputs.append(b)

    conf = shared / "conformance/cases"
    for f in sorted(conf.glob("*/*.smtp")) if conf.is_dir() else []:
        b = b""
        for line in f.read_text("latin-1").splitlines():
            m = re.match(r"^(C|X|B64): ?(.*)$", line)
            if m:
                b += m.group(2).encode("latin-1") + b"\r\n"
        if b:
            inputs.append(b)
    return [bytes([i % 256]) + b[:8 * 1024] for i, b in enumerate(inputs)]


def scenario_reader_inputs():
    files = sorted((root / "scenarios").rglob("*.xml"), key=lambda f: (f.stat().st_size, str(f)))
    first_of_folder, seen = [], set()
    for f in files:
        if f.parent not in seen:
            seen.add(f.parent)
            first_of_folder.append(f)
    ordered = first_of_folder + [f for f in files if f not in first_of_folder]
    return capped((f.read_bytes() for f in ordered), 45, 200 * 1024)


def plain_dialogue(f):
    """An S:/C: dialogue from a scenario's first session: its sends and exact replies."""
    try:
        doc = ET.parse(f).getroot()
    except ET.ParseError:
        return None
    session = doc.find(ns + "session")
    if session is None:
        return None
    lines = ["S: 220 hunet.jp <1238906842.1660@hunet.jp> [XMail 1.27 ESMTP Server] service ready"]
    for st in session:
        tag = st.tag.replace(ns, "")
        if tag == "send" and st.get("reply") is not None:
            lines.append("C: " + st.get("line", ""))
            lines += ["S: " + r for r in st.get("reply").split("\n")]
    return ("\n".join(lines) + "\n").encode("utf-8") if len(lines) > 2 else None


def transcript_importer_inputs():
    inputs = []
    golden = shared / "conformance/golden"
    cases = shared / "conformance/cases"
    for f in sorted(golden.glob("*.json")) if golden.is_dir() else []:
        data = f.read_bytes()
        case = cases / f.stem
        for script in sorted(case.glob("[0-9]*.*")) if case.is_dir() else []:
            data += b"\n=== " + script.name.encode() + b"\n" + script.read_bytes()
        inputs.append(data)
    inputs.sort(key=lambda d: (len(d), d))
    inputs = capped(inputs, 30, 170 * 1024)
    seeds = shared / "seeds"
    inputs += capped(sorted((f.read_bytes() for f in seeds.glob("*.txt")), key=len) if seeds.is_dir() else [], 2, 40 * 1024)
    dialogues = [d for d in map(plain_dialogue, sorted((root / "scenarios").rglob("*.xml"))) if d]
    inputs += capped(sorted(dialogues, key=lambda d: (len(d), d)), 15, 30 * 1024)
    return inputs


for target in targets:
    write_corpus(target, {"smtp_session": smtp_session_inputs, "scenario_reader": scenario_reader_inputs,
                          "transcript_importer": transcript_importer_inputs}[target]())
