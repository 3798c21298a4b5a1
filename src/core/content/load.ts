import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import matter from "gray-matter";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { conceptBody, conceptFrontMatter, quizFile, type Concept, type QuizQuestion } from "./schema.js";

/** A content file is wrong: the message names the file, the field and what is wrong. */
export class ContentError extends Error {}

export type Question = QuizQuestion & { file: string };

export interface Content {
  concepts: Map<string, Concept>;
  questions: Question[];
}

function describeIssue(file: string, issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join(".") : "(the whole file)";
  return `${file}: field "${field}": ${issue.message}`;
}

function validate<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ContentError(parsed.error.issues.map((issue) => describeIssue(file, issue)).join("\n"));
  return parsed.data;
}

function filesIn(dir: string, extension: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(extension))
    .sort()
    .map((name) => join(dir, name));
}

function loadConcept(path: string, shownAs: string): Concept {
  let parsed: matter.GrayMatterFile<string>;
  try {
    parsed = matter(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ContentError(`${shownAs}: the front-matter is not valid YAML: ${(error as Error).message}`);
  }
  const front = validate(conceptFrontMatter, parsed.data, shownAs);
  if (front.id !== basename(path, ".md")) {
    throw new ContentError(`${shownAs}: field "id": "${front.id}" must equal the file name "${basename(path, ".md")}"`);
  }
  const body = validate(conceptBody, parsed.content.trim(), `${shownAs} (explanation)`);
  return { ...front, body, file: shownAs };
}

function loadQuizFile(path: string, shownAs: string): QuizQuestion[] {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ContentError(`${shownAs}: not valid YAML: ${(error as Error).message}`);
  }
  return validate(quizFile, data, shownAs);
}

function checkReferences(concepts: Map<string, Concept>, questions: Question[]) {
  for (const concept of concepts.values()) {
    concept.related.forEach((related, index) => {
      if (!concepts.has(related)) {
        throw new ContentError(`${concept.file}: field "related.${index}": no concept has the id "${related}"`);
      }
    });
  }
  const seen = new Set<string>();
  for (const question of questions) {
    const file = question.file;
    if (seen.has(question.id)) throw new ContentError(`${file}: field "id": "${question.id}" is used by another question`);
    seen.add(question.id);
    if (!concepts.has(question.concept)) {
      throw new ContentError(`${file}: question "${question.id}", field "concept": no concept has the id "${question.concept}"`);
    }
  }
}

/** Loads and validates content/concepts/*.md and content/quizzes/*.yaml; throws ContentError on the first broken file. */
export function loadContent(contentDir: string): Content {
  const concepts = new Map<string, Concept>();
  for (const path of filesIn(join(contentDir, "concepts"), ".md")) {
    const concept = loadConcept(path, relative(process.cwd(), path));
    concepts.set(concept.id, concept);
  }
  if (concepts.size === 0) throw new ContentError(`${join(contentDir, "concepts")}: no concept files (*.md) were found`);
  const questions: Question[] = [];
  for (const path of filesIn(join(contentDir, "quizzes"), ".yaml")) {
    const file = relative(process.cwd(), path);
    for (const question of loadQuizFile(path, file)) questions.push({ ...question, file });
  }
  checkReferences(concepts, questions);
  return { concepts, questions };
}
