// Types for scripts/icon-files.js (plain JS so `node scripts/...` runs it without a build step).
export declare const ICNS_PNG_TYPES: Record<string, number>;
export declare function pngSize(buf: Buffer): { width: number; height: number } | null;
export declare function encodeIco(images: { size: number; png: Buffer }[]): Buffer;
export declare function readIco(buf: Buffer): { declared: number; width: number; height: number }[];
export declare function encodeIcns(chunks: { type: string; png: Buffer }[]): Buffer;
export declare function readIcns(buf: Buffer): { type: string; width: number | null; height: number | null }[];
