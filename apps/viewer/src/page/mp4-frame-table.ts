/**
 * The frame table of an MP4/MOV file, read from its `moov` box: how many frames the video track holds (what ffprobe
 * reports as `nb_frames`, the count the evaluator samples from) and when each is shown, in presentation order
 * (decode time + composition offset, shifted by the edit list), so that the page can seek its video element onto
 * exactly the frame ffmpeg's `select=eq(n,i)` would pick. Pure: no DOM, tested in Node on ffmpeg-made files.
 */

/** A file the page cannot take, with why in words. */
export class VideoFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'VideoFileError';
  }
}

/** What the page needs of a video track. */
export interface Mp4FrameTable {
  /** Sample entry type of the track (`avc1`, `hvc1`, `vp09`, `av01`, ...). */
  codec: string;
  /** Coded size from the sample entry. */
  width: number;
  height: number;
  /** Frames in the track (samples in `stsz`). */
  frameCount: number;
  /** Start of each frame on the presentation timeline, seconds, ascending (frame i of ffmpeg's decode order out). */
  frameTimes: number[];
  /** Presentation time of the end of the last frame, seconds. */
  duration: number;
}

/** Boxes an MP4/MOV file may start with. */
const TOP_LEVEL_BOXES = ['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'uuid'];

interface Box {
  type: string;
  /** Payload start and end (after the header). */
  start: number;
  end: number;
}

class BoxReader {
  constructor(
    private readonly view: DataView,
    private readonly file: string,
  ) {}

  children(start: number, end: number): Box[] {
    const boxes: Box[] = [];
    let offset = start;
    while (offset + 8 <= end) {
      let size = this.view.getUint32(offset);
      const type = String.fromCharCode(...[4, 5, 6, 7].map((i) => this.view.getUint8(offset + i)));
      let header = 8;
      if (size === 1) {
        if (offset + 16 > end) break;
        size = Number(this.view.getBigUint64(offset + 8));
        header = 16;
      } else if (size === 0) {
        size = end - offset;
      }
      if (size < header || offset + size > end) {
        // A truncated top-level box (an interrupted download) still lets the boxes before it be read.
        if (boxes.length > 0 || start > 0) break;
        throw new VideoFileError(this.file, `box '${type}' at byte ${offset} claims ${size} bytes, past the end of the file (truncated or not an MP4)`);
      }
      boxes.push({ type, start: offset + header, end: offset + size });
      offset += size;
    }
    return boxes;
  }

  child(parent: Box, type: string): Box | undefined {
    return this.children(parent.start, parent.end).find((box) => box.type === type);
  }

  need(parent: Box, path: string[]): Box {
    let box = parent;
    for (const type of path) {
      const next = this.child(box, type);
      if (!next) throw new VideoFileError(this.file, `the video track has no '${type}' box (inside '${box.type}')`);
      box = next;
    }
    return box;
  }

  u8(offset: number): number {
    return this.view.getUint8(offset);
  }
  u16(offset: number): number {
    return this.view.getUint16(offset);
  }
  u32(offset: number): number {
    return this.view.getUint32(offset);
  }
  i32(offset: number): number {
    return this.view.getInt32(offset);
  }
  u64(offset: number): number {
    return Number(this.view.getBigUint64(offset));
  }
  i64(offset: number): number {
    return Number(this.view.getBigInt64(offset));
  }
  fourcc(offset: number): string {
    return String.fromCharCode(...[0, 1, 2, 3].map((i) => this.view.getUint8(offset + i)));
  }
}

function checkedCount(reader: BoxReader, box: Box, offset: number, entryBytes: number): number {
  const count = reader.u32(offset);
  if (offset + 4 + count * entryBytes > box.end) {
    throw new VideoFileError('', `'${box.type}' lists ${count} entries but holds fewer`);
  }
  return count;
}

/** Reads the first video track's frame table; a `VideoFileError` says in words why a file cannot be used. */
export function readMp4FrameTable(bytes: ArrayBuffer | Uint8Array, file = 'video'): Mp4FrameTable {
  const buffer = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const reader = new BoxReader(view, file);
  const notMp4 = () => new VideoFileError(file, 'not an MP4/MOV file (no ftyp/moov boxes); the viewer reads MP4 and MOV videos');
  if (buffer.byteLength < 8 || !TOP_LEVEL_BOXES.includes(reader.fourcc(4))) throw notMp4();
  try {
    const top = reader.children(0, buffer.byteLength);
    if (!top.some((box) => box.type === 'ftyp' || box.type === 'moov' || box.type === 'mdat')) throw notMp4();
    const moov = top.find((box) => box.type === 'moov');
    if (!moov) throw new VideoFileError(file, 'has no moov box (an incomplete download, or a recording that was not finished)');
    const movieTimescale = movieTimescaleOf(reader, reader.need(moov, ['mvhd']));
    const track = reader
      .children(moov.start, moov.end)
      .filter((box) => box.type === 'trak')
      .find((trak) => {
        const hdlr = reader.child(reader.child(trak, 'mdia') ?? trak, 'hdlr');
        return hdlr !== undefined && reader.fourcc(hdlr.start + 8) === 'vide';
      });
    if (!track) throw new VideoFileError(file, 'has no video track');
    return trackTable(reader, track, movieTimescale, file, reader.child(moov, 'mvex') !== undefined);
  } catch (error) {
    if (error instanceof VideoFileError) throw error.file === '' ? new VideoFileError(file, error.reason) : error;
    if (error instanceof RangeError) throw new VideoFileError(file, 'is truncated or corrupt (a box runs past the end of the file)');
    throw error;
  }
}

function movieTimescaleOf(reader: BoxReader, mvhd: Box): number {
  const version = reader.u8(mvhd.start);
  return reader.u32(mvhd.start + (version === 1 ? 20 : 12));
}

function trackTable(reader: BoxReader, track: Box, movieTimescale: number, file: string, fragmented: boolean): Mp4FrameTable {
  const mdia = reader.need(track, ['mdia']);
  const mdhd = reader.need(mdia, ['mdhd']);
  const timescale = reader.u32(mdhd.start + (reader.u8(mdhd.start) === 1 ? 20 : 12));
  if (timescale <= 0) throw new VideoFileError(file, 'the video track has a zero timescale');
  const stbl = reader.need(mdia, ['minf', 'stbl']);

  const stsd = reader.need(stbl, ['stsd']);
  const entry = reader.children(stsd.start + 8, stsd.end)[0];
  if (!entry) throw new VideoFileError(file, 'the video track has no sample description');
  const codec = entry.type;
  const width = reader.u16(entry.start + 24);
  const height = reader.u16(entry.start + 26);

  const stsz = reader.need(stbl, ['stsz']);
  const frameCount = reader.u32(stsz.start + 8);
  if (frameCount === 0) {
    throw new VideoFileError(file, fragmented ? 'is a fragmented MP4 (frames in moof boxes), which the viewer does not read' : 'the video track has no frames');
  }

  // Decode times from stts, composition offsets from ctts (signed in version 1, and in practice in version 0).
  const stts = reader.need(stbl, ['stts']);
  const decodeTimes = new Array<number>(frameCount);
  const lastDelta = { value: 0 };
  {
    const count = checkedCount(reader, stts, stts.start + 4, 8);
    let sample = 0;
    let time = 0;
    for (let e = 0; e < count && sample < frameCount; e++) {
      const samples = reader.u32(stts.start + 8 + e * 8);
      const delta = reader.u32(stts.start + 12 + e * 8);
      for (let s = 0; s < samples && sample < frameCount; s++) {
        decodeTimes[sample++] = time;
        time += delta;
      }
      lastDelta.value = delta;
    }
    if (sample < frameCount) throw new VideoFileError(file, `stts times ${sample} of the ${frameCount} frames`);
  }
  const presentation = decodeTimes.slice();
  const ctts = reader.child(stbl, 'ctts');
  if (ctts) {
    const count = checkedCount(reader, ctts, ctts.start + 4, 8);
    let sample = 0;
    for (let e = 0; e < count && sample < frameCount; e++) {
      const samples = reader.u32(ctts.start + 8 + e * 8);
      const offset = reader.i32(ctts.start + 12 + e * 8);
      for (let s = 0; s < samples && sample < frameCount; s++) presentation[sample++] += offset;
    }
  }
  presentation.sort((a, b) => a - b);

  // The edit list: empty edits delay the track (movie timescale); the first real edit says which media time is 0.
  let mediaStart = presentation[0];
  let delaySeconds = 0;
  const elst = reader.child(reader.child(track, 'edts') ?? track, 'elst');
  if (elst) {
    const version = reader.u8(elst.start);
    const entryBytes = version === 1 ? 20 : 12;
    const count = checkedCount(reader, elst, elst.start + 4, entryBytes);
    for (let e = 0; e < count; e++) {
      const at = elst.start + 8 + e * entryBytes;
      const segmentDuration = version === 1 ? reader.u64(at) : reader.u32(at);
      const mediaTime = version === 1 ? reader.i64(at + 8) : reader.i32(at + 4);
      if (mediaTime === -1) {
        delaySeconds += segmentDuration / movieTimescale;
        continue;
      }
      mediaStart = mediaTime;
      break;
    }
  }
  const frameTimes = presentation.map((time) => (time - mediaStart) / timescale + delaySeconds);
  const duration = (presentation[frameCount - 1] + lastDelta.value - mediaStart) / timescale + delaySeconds;
  return { codec, width, height, frameCount, frameTimes, duration };
}

/** Frame `index`'s display interval on the presentation timeline, seconds: [start, end). */
export function frameInterval(table: Mp4FrameTable, index: number): { start: number; end: number } {
  const start = table.frameTimes[index];
  const end = index + 1 < table.frameCount ? table.frameTimes[index + 1] : table.duration;
  return { start, end };
}

/**
 * The time to seek to for frame `index`: the middle of its display interval, so the element shows that frame and
 * not a neighbour, whatever rounding the browser applies to `currentTime`.
 */
export function seekTimeOf(table: Mp4FrameTable, index: number): number {
  const { start, end } = frameInterval(table, index);
  return Math.max(0, start + (end - start) / 2);
}
