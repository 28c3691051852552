#!/usr/bin/python3
"""Reference outputs for promptlab's bicubic resize: PIL's Image.resize(BICUBIC).

usage: pil_resize.py INPUT_IMAGE OUT_DIR W1xH1 [W2xH2 ...]
For each size writes OUT_DIR/resize_<W>x<H>.rgb: raw 8-bit RGB bytes, row-major.
With --crop X,Y,W,H before the sizes the image is cropped first (as RandomResizedCrop does).
"""
import sys

from PIL import Image


def main(argv):
    args = list(argv[1:])
    crop = None
    if "--crop" in args:
        at = args.index("--crop")
        crop = [int(v) for v in args[at + 1].split(",")]
        del args[at:at + 2]
    if len(args) < 3:
        sys.stderr.write(__doc__)
        return 2
    source, out_dir, sizes = args[0], args[1], args[2:]
    image = Image.open(source).convert("RGB")
    if crop is not None:
        x, y, w, h = crop
        image = image.crop((x, y, x + w, y + h))
    for size in sizes:
        width, height = (int(v) for v in size.split("x"))
        resized = image.resize((width, height), Image.BICUBIC)
        with open("%s/resize_%dx%d.rgb" % (out_dir, width, height), "wb") as out:
            out.write(resized.tobytes())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
