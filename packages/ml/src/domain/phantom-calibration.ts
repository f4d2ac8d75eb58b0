// Written by calibrate-cli.ts (npm run calibrate-domain -w @imaging/ml); do not edit by hand.
// Held-out phantom series refused by this calibration: 0 of 12.
export const PHANTOM_CALIBRATION = {
  "calibratedAt": "2026-12-02",
  "backend": "wasm",
  "input": {
    "generator": "generatePhantomSeries",
    "firstSeed": 700001,
    "series": 400,
    "slices": 2400,
    "sizes": [
      64,
      128,
      256,
      512
    ],
    "fieldOfViewMm": {
      "min": 324,
      "max": 396
    },
    "rows": {
      "min": 64,
      "max": 512
    },
    "pixelSpacingMm": {
      "min": 0.63281,
      "max": 5.625
    },
    "sliceThicknessMm": {
      "min": 0.5,
      "max": 5
    },
    "maxOutlierSliceFraction": 0.1,
    "sliceStatistics": {
      "bodyFraction": {
        "min": 0.27308,
        "max": 0.51306
      },
      "outsideNonAirFraction": {
        "min": 0,
        "max": 0.005
      },
      "meanHu": {
        "min": -397.97748,
        "max": 135.9797
      },
      "p05Hu": {
        "min": -1064.25,
        "max": 97.25
      },
      "p50Hu": {
        "min": -146.25625,
        "max": 91.25125
      },
      "p95Hu": {
        "min": 21.5,
        "max": 182.5
      },
      "band.air": {
        "min": 0,
        "max": 0.005
      },
      "band.lung": {
        "min": 0,
        "max": 0.45895
      },
      "band.intermediate": {
        "min": 0,
        "max": 0.005
      },
      "band.fat": {
        "min": 0.04974,
        "max": 0.45103
      },
      "band.softTissue": {
        "min": 0.16956,
        "max": 1
      },
      "band.bone": {
        "min": 0,
        "max": 0.02266
      }
    },
    "measured": {
      "bodyFraction": {
        "min": 0.27308,
        "max": 0.51306,
        "p005": 0.31641,
        "p995": 0.46973
      },
      "outsideNonAirFraction": {
        "min": 0,
        "max": 0.005,
        "p005": 0,
        "p995": 0
      },
      "meanHu": {
        "min": -397.97748,
        "max": 135.9797,
        "p005": -302.31795,
        "p995": 40.32017
      },
      "p05Hu": {
        "min": -1064.25,
        "max": 97.25,
        "p005": -864,
        "p995": -103
      },
      "p50Hu": {
        "min": -146.25625,
        "max": 91.25125,
        "p005": -100.005,
        "p995": 45
      },
      "p95Hu": {
        "min": 21.5,
        "max": 182.5,
        "p005": 55,
        "p995": 149
      },
      "band.air": {
        "min": 0,
        "max": 0.005,
        "p005": 0,
        "p995": 0
      },
      "band.lung": {
        "min": 0,
        "max": 0.45895,
        "p005": 0,
        "p995": 0.36316
      },
      "band.intermediate": {
        "min": 0,
        "max": 0.005,
        "p005": 0,
        "p995": 0
      },
      "band.fat": {
        "min": 0.04974,
        "max": 0.45103,
        "p005": 0.11995,
        "p995": 0.38081
      },
      "band.softTissue": {
        "min": 0.16956,
        "max": 1,
        "p005": 0.31366,
        "p995": 0.87003
      },
      "band.bone": {
        "min": 0,
        "max": 0.02266,
        "p005": 0.00127,
        "p995": 0.01438
      }
    }
  },
  "output": {
    "model": "v1/float32",
    "heldOutSeeds": [
      900001,
      900012
    ],
    "slices": 384,
    "sliceMaskFractionP995": 0.02009,
    "sliceMaskFractionMax": 0.02039,
    "margin": 2,
    "maxSliceMaskFraction": 0.04077
  },
  "heldOutCheck": {
    "series": 12,
    "refused": 0
  }
};
