import { orderedOutput, type RunResult } from "../protocol.js";
import type { Attachment } from "../../reply.js";
import { renderTimelinePng } from "./picture.js";
import { renderTimelineText } from "./text.js";
import { outputLines } from "./timeline.js";

export const TIMELINE_PICTURE = "timeline.png";
/** Printed lines the picture marks: the first ones; past a few thousand marks the row is solid anyway. */
const PICTURED_LINES_MAX = 5_000;

/**
 * What a /run reply shows of the event loop: the picture (set a card's `image` to its name) and the
 * same as text for clients without images. Undefined when the program started no asyncio task.
 */
export function timelineAttachments(result: Pick<RunResult, "timeline" | "chunks" | "stdout" | "stderr">): { attachment: Attachment; text: string } | undefined {
  const timeline = result.timeline;
  if (!timeline || timeline.tasks.length === 0) return undefined;
  const text = renderTimelineText(timeline);
  return {
    attachment: {
      name: TIMELINE_PICTURE,
      data: renderTimelinePng(timeline, outputLines(orderedOutput(result), PICTURED_LINES_MAX)),
      // Alt text: the summary line, e.g. "4 tasks in 1.00 s (…)".
      description: text.split("\n")[0],
    },
    text,
  };
}
