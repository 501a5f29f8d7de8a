//! Delta debugging: Zeller and Hildebrandt's `ddmin` ("Simplifying and Isolating
//! Failure-Inducing Input", IEEE TSE 28(2), 2002). Given a list whose every element together
//! makes a test fail, it finds a sublist that still fails and is 1-minimal: removing any one
//! element of it makes the test pass. Each subset is tested at most once.

use std::collections::BTreeSet;

/// What a test said of a subset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It still fails the same way: keep it.
    Fails,
    /// It does not (passes, fails otherwise, or is not a valid input).
    Passes,
    /// The budget is spent: stop with the best so far.
    Stop,
}

/// The smallest failing sublist of `items` that ddmin finds (1-minimal unless the budget
/// ran out), keeping the elements' order. `test` is never asked about the whole list (it is
/// known to fail); the empty list is tried first.
pub fn ddmin<T: Clone>(items: &[T], test: &mut dyn FnMut(&[T]) -> Outcome) -> Vec<T> {
    let mut tried: BTreeSet<Vec<usize>> = BTreeSet::new();
    tried.insert((0..items.len()).collect());
    let mut ask = |idx: &[usize], test: &mut dyn FnMut(&[T]) -> Outcome| {
        if !tried.insert(idx.to_vec()) {
            return Outcome::Passes; // asked before, and it did not fail then
        }
        let subset: Vec<T> = idx.iter().map(|&i| items[i].clone()).collect();
        test(&subset)
    };
    let pick = |idx: &[usize]| idx.iter().map(|&i| items[i].clone()).collect::<Vec<T>>();
    let mut current: Vec<usize> = (0..items.len()).collect();
    if current.is_empty() {
        return Vec::new();
    }
    match ask(&[], test) {
        Outcome::Fails => return Vec::new(),
        Outcome::Stop => return pick(&current),
        Outcome::Passes => {}
    }
    let mut n = 2usize;
    while current.len() >= 2 {
        let chunks = split(&current, n);
        let mut reduced = false;
        // Reduce to a subset.
        for chunk in &chunks {
            match ask(chunk, test) {
                Outcome::Fails => {
                    current = chunk.clone();
                    n = 2;
                    reduced = true;
                    break;
                }
                Outcome::Stop => return pick(&current),
                Outcome::Passes => {}
            }
        }
        if reduced {
            continue;
        }
        // Reduce to a complement.
        if n > 2 {
            for i in 0..chunks.len() {
                let complement: Vec<usize> = chunks
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .flat_map(|(_, c)| c.iter().copied())
                    .collect();
                match ask(&complement, test) {
                    Outcome::Fails => {
                        current = complement;
                        n = (n - 1).max(2);
                        reduced = true;
                        break;
                    }
                    Outcome::Stop => return pick(&current),
                    Outcome::Passes => {}
                }
            }
        }
        if reduced {
            continue;
        }
        // Increase granularity, or stop: every single element is needed.
        if n >= current.len() {
            break;
        }
        n = (2 * n).min(current.len());
    }
    pick(&current)
}

/// `items` cut into `n` consecutive chunks of nearly equal size.
fn split(items: &[usize], n: usize) -> Vec<Vec<usize>> {
    let n = n.min(items.len()).max(1);
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    for i in 0..n {
        let end = start + (items.len() - start) / (n - i);
        out.push(items[start..end].to_vec());
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fails_if(pred: impl Fn(&[u32]) -> bool) -> impl FnMut(&[u32]) -> Outcome {
        move |s: &[u32]| {
            if pred(s) {
                Outcome::Fails
            } else {
                Outcome::Passes
            }
        }
    }

    #[test]
    fn finds_the_two_elements_that_matter() {
        let items: Vec<u32> = (0..40).collect();
        let mut runs = 0;
        let mut test = |s: &[u32]| {
            runs += 1;
            if s.contains(&7) && s.contains(&31) {
                Outcome::Fails
            } else {
                Outcome::Passes
            }
        };
        assert_eq!(ddmin(&items, &mut test), vec![7, 31]);
        assert!(runs < 60, "{runs} tests");
    }

    #[test]
    fn an_empty_failing_list_and_a_spent_budget() {
        let items: Vec<u32> = (0..5).collect();
        assert!(ddmin(&items, &mut fails_if(|_| true)).is_empty());
        let mut left = 2;
        let mut test = |s: &[u32]| {
            if left == 0 {
                return Outcome::Stop;
            }
            left -= 1;
            if s.contains(&4) {
                Outcome::Fails
            } else {
                Outcome::Passes
            }
        };
        // The empty list passes, the first half passes, then the budget is spent.
        assert_eq!(ddmin(&items, &mut test), items);
    }

    proptest! {
        /// A monotone failure (it fails whenever one of a few required sets is present):
        /// the result still fails and removing any one element makes it pass.
        #[test]
        fn the_result_fails_and_is_one_minimal(
            n in 1usize..40,
            sets in prop::collection::vec(prop::collection::btree_set(0u32..40, 1..4), 1..4),
        ) {
            let items: Vec<u32> = (0..n as u32).collect();
            let sets: Vec<Vec<u32>> = sets
                .into_iter()
                .map(|s| s.into_iter().map(|x| x % n as u32).collect())
                .collect();
            let fails = |s: &[u32]| sets.iter().any(|req| req.iter().all(|x| s.contains(x)));
            let result = ddmin(&items, &mut fails_if(fails));
            prop_assert!(fails(&result));
            for i in 0..result.len() {
                let mut less = result.clone();
                less.remove(i);
                prop_assert!(!fails(&less), "{result:?} without {} still fails", result[i]);
            }
            prop_assert!(result.windows(2).all(|w| w[0] < w[1]), "order kept");
        }

        /// Any predicate at all (here, an arbitrary set of failing subsets of 8 elements):
        /// the result fails and is 1-minimal with respect to that predicate.
        #[test]
        fn one_minimal_for_an_arbitrary_predicate(masks in prop::collection::btree_set(0u32..256, 0..40)) {
            let items: Vec<u32> = (0..8).collect();
            let mask = |s: &[u32]| s.iter().fold(0u32, |m, &x| m | 1 << x);
            let fails = |s: &[u32]| s.len() == 8 || masks.contains(&mask(s));
            let result = ddmin(&items, &mut fails_if(fails));
            prop_assert!(fails(&result));
            for i in 0..result.len() {
                let mut less = result.clone();
                less.remove(i);
                prop_assert!(!fails(&less));
            }
        }
    }
}
