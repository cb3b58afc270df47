#!/usr/bin/env python3
"""The peer: the same job done the way an analyst would with the usual Python tools.

jieba (with the shipped user dictionary) + scikit-learn TfidfVectorizer + one-vs-rest LogisticRegression,
trained on corpus/labels.jsonl (each label's fragment is matched to the paragraph of its report that contains
it), then every paragraph of every report under INPUT is predicted and theme x year is tabulated to CSV.

    python benches/peer/peer.py INPUT --out DIR [--corpus corpus] [--userdict models/userdict.txt]

Run from the repository root. Single process, like a notebook: jieba and scikit-learn's transform are
single-threaded. Timings of the phases go to stderr.
"""

import argparse
import csv
import json
import os
import sys
import time
from collections import defaultdict

import jieba
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer


def paragraphs(text):
    return [p.strip() for p in text.splitlines() if p.strip()]


def read_text(path):
    with open(path, "rb") as f:
        raw = f.read()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", errors="replace")


def training_set(corpus):
    by_par = {}
    with open(os.path.join(corpus, "labels.jsonl"), encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            lab = json.loads(line)
            path = os.path.join(corpus, lab["report"])
            if not os.path.exists(path):
                continue
            for p in paragraphs(read_text(path)):
                if lab["text"] in p:
                    by_par.setdefault(p, set()).update(lab["themes"])
                    break
    texts = list(by_par)
    return texts, [sorted(by_par[t]) for t in texts]


def tokenize(text):
    return jieba.lcut(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("--out", required=True)
    ap.add_argument("--corpus", default="corpus")
    ap.add_argument("--userdict", default="models/userdict.txt")
    args = ap.parse_args()

    t0 = time.perf_counter()
    jieba.setLogLevel(60)
    jieba.load_userdict(args.userdict)
    jieba.initialize()
    texts, labels = training_set(args.corpus)
    mlb = MultiLabelBinarizer()
    y = mlb.fit_transform(labels)
    vec = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False, sublinear_tf=True, min_df=2)
    x = vec.fit_transform(texts)
    clf = OneVsRestClassifier(LogisticRegression(max_iter=1000, C=10.0))
    clf.fit(x, y)
    t1 = time.perf_counter()

    files = []
    for root, _dirs, names in os.walk(args.input):
        for n in names:
            if n.endswith(".txt"):
                files.append(os.path.join(root, n))
    files.sort()
    pars, years = [], []
    nbytes = 0
    for path in files:
        rel = os.path.relpath(path, args.input)
        year = rel.split(os.sep)[0]
        raw = read_text(path)
        nbytes += len(raw.encode("utf-8"))
        for p in paragraphs(raw):
            pars.append(p)
            years.append(year)
    xs = vec.transform(pars)
    probs = clf.predict_proba(xs)
    counts = defaultdict(lambda: defaultdict(int))
    for i, row in enumerate(probs):
        for j, pr in enumerate(row):
            if pr >= 0.5:
                counts[mlb.classes_[j]][years[i]] += 1
    t2 = time.perf_counter()

    os.makedirs(args.out, exist_ok=True)
    all_years = sorted(set(years))
    with open(os.path.join(args.out, "theme_by_year.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["theme"] + all_years)
        for theme in mlb.classes_:
            w.writerow([theme] + [counts[theme][yy] for yy in all_years])
    print(
        f"peer: trained on {len(texts)} paragraphs in {t1 - t0:.2f} s; predicted {len(pars)} paragraphs "
        f"of {len(files)} reports ({nbytes / 1e6:.1f} MB) in {t2 - t1:.2f} s = {nbytes / 1e6 / (t2 - t1):.3f} MB/s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
