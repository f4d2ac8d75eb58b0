"""Independent reader for the SEG tests: pydicom (Debian python3-pydicom) reads a Segmentation and
prints what the test compares, as JSON: SOP class, frame count, segment labels and algorithm types,
and per frame the referenced source image, the segment and the SHA-256 of its 0/1 pixels (uint8,
row-major) as pydicom unpacks them."""
import hashlib
import json
import sys

import numpy as np
import pydicom



def as_list(value):
    """pydicom gives a multi-valued element as a list, a single value as itself."""
    return list(value) if isinstance(value, (list, pydicom.multival.MultiValue)) else [value]


ds = pydicom.dcmread(sys.argv[1])
pixels = ds.pixel_array
if int(ds.NumberOfFrames) == 1:
    pixels = pixels[np.newaxis, ...]
frames = []
for i, group in enumerate(ds.PerFrameFunctionalGroupsSequence):
    source = group.DerivationImageSequence[0].SourceImageSequence[0]
    frames.append({
        "referencedSopInstanceUid": source.ReferencedSOPInstanceUID,
        "segmentNumber": int(group.SegmentIdentificationSequence[0].ReferencedSegmentNumber),
        "dimensionIndexValues": [int(v) for v in as_list(group.FrameContentSequence[0].DimensionIndexValues)],
        "sha256": hashlib.sha256(pixels[i].astype(np.uint8).tobytes()).hexdigest(),
        "area": int(pixels[i].sum()),
    })
print(json.dumps({
    "sopClassUid": ds.SOPClassUID,
    "modality": ds.Modality,
    "numberOfFrames": int(ds.NumberOfFrames),
    "segmentationType": ds.SegmentationType,
    "segments": [{"number": int(s.SegmentNumber), "label": s.SegmentLabel, "algorithmType": s.SegmentAlgorithmType} for s in ds.SegmentSequence],
    "referencedSeries": ds.ReferencedSeriesSequence[0].SeriesInstanceUID,
    "frames": frames,
}))
