// Package search is LTS's search: the evolutionary algorithm of LiteTransformerSearch
// and a random baseline with the same budget, each a Proposer that proposes a
// generation of architectures and observes their records; Run drives one over
// iterations, measuring with a Measurer (the bench package on a device, or a
// GenerationMeasurer that measures each generation at once on a fleet) and keeping
// the records in a Store (results.Store: the run directory). The Pareto front over
// decoder parameters (↑), latency (↓) and memory (↓) and the bounds on the measured
// objectives are the results package's (results.ParetoFront, results.Bounds); search
// keeps the front of what it has measured up to date as it goes. Resuming a killed run
// replays its generations over the stored records; Confirm measures the final front
// again.
//
// # Adding an algorithm
//
// Write one file with its parameters (a Params: validation and the Proposer it
// starts) and its Proposer, and add one line to the algorithms map (algorithm.go)
// giving its parameters for a search's Sizes. run.json keeps the parameters under the
// algorithm's name in its "search" object, and CheckResume compares them field by
// field.
//
// # What LTS does
//
// The reference is archai's Evolution class (archai/nlp/nas/evolution.py) with its
// defaults: population 100 = 20 parents + 40 mutations + 40 crossovers, mutation
// probability 0.3 per gene, crossover probability 0.5, seed 1111.
//
//   - The first population is 100 random genes that pass the cheap checks (parameter
//     count within param_constraint_lower/upper), drawn gene by gene.
//   - Each iteration measures the members not measured yet and recomputes the Pareto
//     front of everything measured so far (find_pareto_frontier_points on
//     (max params − params, latency, memory)): a point is dropped only when another is
//     better in every objective.
//   - Parents: 20 draws with replacement from the front, with probability proportional
//     to 1/(1+s), s the member's usage count (how many times it has been in a working
//     population) scaled to [0, 1] over the front.
//   - 40 mutations, each from a parent drawn uniformly, each gene redrawn with
//     probability 0.3; 40 crossovers, each from two entries of the parent list
//     (random.sample), each gene from the first with probability 0.5. A child that
//     fails the checks or was seen before is redrawn, with no limit.
//   - The next population is parents + mutations + crossovers; every member's usage
//     count goes up by one (a parent drawn twice, by two).
//
// So n iterations measure 100 + (n−1)·80 architectures (2420 for the paper's 30):
// the offspring made after the last iteration are never measured.
//
// # What we do the same
//
// All of the above: the sizes, probabilities, seed, usage weights (usageWeights is
// _calculate_weighted_count), parent, mutation and crossover draws, and the budget. Run
// with Strict (--lts-compat) uses LTS's dominance.
//
// # Where we differ, and why
//
//   - Standard dominance by default (no worse in all objectives, better in one). LTS's
//     strict dominance keeps points that tie the best in one objective and lose in the
//     others, which inflates the front with architectures nobody would pick.
//   - No architecture is measured twice, ever: LTS does not deduplicate its first
//     population, and two children of one iteration can be the same gene. Keys
//     (space.Arch.Key) identify architectures.
//   - Redraws are bounded: after maxMisses draws in a row that bring nothing new, the
//     parents are given up and random samples fill the iteration; when those too come
//     up short the iteration goes on with what it has, and an iteration with nothing
//     new ends the search (Outcome.Exhausted). LTS loops forever when its parents
//     cannot make new children (a one-member front, say) or the space runs out.
//   - Infeasible architectures (those that fail to run, e.g. out of memory) are archived
//     with their error and never enter the front; LTS has no such case.
//   - Bounds on latency and memory (--max-latency-ms, --max-memory-mb) exclude points
//     from the front, and so from parenthood, instead of rejecting them before
//     measuring: they are only known once measured, and the archive keeps them.
//     Parameter bounds, like LTS's, are the space's (Space.Check), checked before.
//   - If no measured architecture is feasible within the bounds there are no parents;
//     the iteration draws random candidates instead of failing.
//   - Parents come from a front in which latencies within 10 % of each other count as
//     equal (parentFront: decoder parameters and memory, which are exact, decide), in
//     the order of decoder parameters and key, so that two runs of one seed whose
//     latencies differ only by noise propose the same architectures; LTS's exact front
//     changes with every noise-sized difference. Strict (--lts-compat) keeps LTS's.
//   - The front a run ends with is measured again (Confirm): the front and its
//     neighbourhood, in interleaved rounds, so that it rests on repeated measurements
//     that compare.
//   - The random stream: each iteration has its own generator, rand.NewPCG(seed,
//     iteration), and candidates are drawn before any is measured, so what a run
//     proposes never depends on timing, and a resumed run proposes what the killed
//     one did. Python's and NumPy's streams are not reproduced: the same seed does not
//     give LTS's architectures.
//
// # Determinism and resume
//
// The candidates of iteration i are a pure function of the seed, i and the records of
// iterations before i (for the evolution, with the usage counts those iterations
// left): what a Proposer promises. Run with a store that holds records (Store.Prior,
// a resumed run) replays every iteration: it draws the candidates again and takes the
// records already stored, in order, checking that each is the candidate drawn at its
// position (by key; the candidate's own Arch is kept, so parents are the very values
// the interrupted run had); then it measures the rest. run.json must agree on every
// setting the candidates depend on (CheckResume, which the caller runs before
// anything is measured; a run.json from before the "search" object is read by the
// sizes it recorded). Candidates are kept in their canonical form (their JSON, parsed
// back), so the Outcome and the archive agree.
//
// --algorithm random spends the same budget (Config.Budget) on random samples, with
// the same batch sizes per iteration (RandomParams), so the two can be compared
// iteration by iteration.
package search
