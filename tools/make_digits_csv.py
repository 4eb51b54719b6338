#!/usr/bin/python3
"""Write configs/data/digits.csv: scikit-learn's bundled copy of the UCI
"Optical Recognition of Handwritten Digits" test set (1797 images of 8x8
pixels, each pixel a count 0..16 of set pixels in a 4x4 block of the 32x32
original), as load_digits() returns it.

Needs Debian's python3-sklearn (run once; the CSV is committed):

    /usr/bin/python3 tools/make_digits_csv.py

Running it again rewrites the same file byte for byte.
"""
import os

from sklearn.datasets import load_digits

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "configs", "data", "digits.csv")

digits = load_digits()
with open(OUT, "w", newline="\n") as f:
    f.write(",".join("p%d_%d" % (r, c) for r in range(8) for c in range(8)) + ",digit\n")
    for pixels, label in zip(digits.data, digits.target):
        f.write(",".join(str(int(v)) for v in pixels) + ",%d\n" % label)
