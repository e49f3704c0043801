// The parts of the vendored classic scripts (static/vendor, scripts/vendor_static.sh) the pages
// use: face-api.js defines the global `faceapi`, qrcode-generator the global `qrcode`, jsQR the
// global `jsQR`.

declare namespace faceapi {
  interface Box {
    x: number;
    y: number;
    width: number;
    height: number;
  }
  interface FaceDetection {
    box: Box;
    score: number;
  }
  class TinyFaceDetectorOptions {
    constructor(options?: { inputSize?: number; scoreThreshold?: number });
  }
  function detectAllFaces(
    input: HTMLVideoElement | HTMLCanvasElement | HTMLImageElement,
    options?: TinyFaceDetectorOptions,
  ): Promise<FaceDetection[]>;
  const nets: { tinyFaceDetector: { loadFromUri(uri: string): Promise<void> } };
  const tf: {
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    getBackend(): string;
  };
}

interface QrCode {
  addData(text: string): void;
  make(): void;
  getModuleCount(): number;
  isDark(row: number, column: number): boolean;
}

declare function qrcode(typeNumber: number, errorCorrection: "L" | "M" | "Q" | "H"): QrCode;

interface JsQrCode {
  data: string;
}

declare function jsQR(
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: { inversionAttempts?: "dontInvert" | "onlyInvert" | "attemptBoth" | "invertFirst" },
): JsQrCode | null;
