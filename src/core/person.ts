/** Who did something: a Discord user, or the console's or command line's own user. */
export interface Person {
  id: string;
  name: string;
}
