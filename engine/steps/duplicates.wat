;; The hash-table search for equal row hashes of the UPI check (duplicates.ts
;; findDuplicateByHashTable) in WebAssembly: the same partitions, tables and probing order, so
;; the pairs it reports are the ones the JavaScript would compare, in the order it would compare
;; them. It cannot compare rows: duplicates.ts compares each reported pair's values and stops at
;; the first equal one. Compiled by `npm run build:wasm` into duplicates-wasm.ts.
;;
;; Rows are numbered 0..n-1 (stored runs first, then the new ones from $freshFirst on); a row's
;; "mixed" hash is (h ^ h >>> 16)·0x9e3779b1, its partition the top 8 bits of that.
(module
  (memory (export "memory") 16)

  (func $duplicates.mixed (param $h i32) (result i32)
    (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (i32.const 0x9e3779b1)))

  ;; The n row hashes at $hashes split by partition: $bounds (257 words) gets each partition's
  ;; first place, $refs and $duplicates.mixed (n words each) every row's number and mixed hash in partition
  ;; order (rows in input order within one); $cursor (256 words) is scratch. Returns the rows of
  ;; the largest partition.
  (func $duplicates.partition (export "partition") (param $hashes i32) (param $n i32) (param $bounds i32) (param $cursor i32) (param $refs i32) (param $mixedOut i32) (result i32)
    (local $i i32) (local $m i32) (local $at i32) (local $p i32) (local $largest i32) (local $count i32) (local $sum i32)
    (memory.fill (local.get $bounds) (i32.const 0) (i32.const 1028))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $at (i32.add (local.get $bounds) (i32.add (i32.const 4)
        (i32.shl (i32.shr_u (call $duplicates.mixed (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2))))) (i32.const 24)) (i32.const 2)))))
      (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (i32.const 256)))
      (local.set $at (i32.add (local.get $bounds) (i32.shl (local.get $p) (i32.const 2))))
      (local.set $count (i32.load offset=4 (local.get $at)))
      (if (i32.gt_u (local.get $count) (local.get $largest)) (then (local.set $largest (local.get $count))))
      (i32.store (i32.add (local.get $cursor) (i32.shl (local.get $p) (i32.const 2))) (local.get $sum))
      (local.set $sum (i32.add (local.get $sum) (local.get $count)))
      (i32.store offset=4 (local.get $at) (local.get $sum))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $next)))
    (local.set $i (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $m (call $duplicates.mixed (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2))))))
      (local.set $at (i32.add (local.get $cursor) (i32.shl (i32.shr_u (local.get $m) (i32.const 24)) (i32.const 2))))
      (local.set $p (i32.load (local.get $at)))
      (i32.store (local.get $at) (i32.add (local.get $p) (i32.const 1)))
      (i32.store (i32.add (local.get $refs) (i32.shl (local.get $p) (i32.const 2))) (local.get $i))
      (i32.store (i32.add (local.get $mixedOut) (i32.shl (local.get $p) (i32.const 2))) (local.get $m))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $largest))

  ;; Each partition's open-addressing table (at $table: slots of (mixed hash, row + 1), the
  ;; smallest power of two ≥ 16 and ≥ twice its rows, probed from (mixed >>> 8) on): stored rows
  ;; take a slot unchecked; a new row first meets every earlier row of its mixed hash on its way
  ;; to a free slot, and each such (row, earlier row) pair goes to $out. Returns the pairs, or -1
  ;; once more than $outMax were found (the caller then searches in JavaScript).
  (func $duplicates.probe (export "probe") (param $bounds i32) (param $refs i32) (param $mixedIn i32) (param $freshFirst i32) (param $table i32) (param $out i32) (param $outMax i32) (result i32)
    (local $p i32) (local $k i32) (local $to i32) (local $size i32) (local $mask i32) (local $h i32) (local $ref i32) (local $at i32) (local $slot i32) (local $held i32) (local $pairs i32)
    (block $partitions (loop $partition
      (br_if $partitions (i32.ge_u (local.get $p) (i32.const 256)))
      (local.set $k (i32.load (i32.add (local.get $bounds) (i32.shl (local.get $p) (i32.const 2)))))
      (local.set $to (i32.load offset=4 (i32.add (local.get $bounds) (i32.shl (local.get $p) (i32.const 2)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $partition (i32.lt_u (i32.sub (local.get $to) (local.get $k)) (i32.const 2)))
      (local.set $size (i32.const 16))
      (block $sized (loop $grow
        (br_if $sized (i32.ge_u (local.get $size) (i32.shl (i32.sub (local.get $to) (local.get $k)) (i32.const 1))))
        (local.set $size (i32.shl (local.get $size) (i32.const 1)))
        (br $grow)))
      (local.set $mask (i32.sub (local.get $size) (i32.const 1)))
      (memory.fill (local.get $table) (i32.const 0) (i32.shl (local.get $size) (i32.const 3)))
      (block $rows (loop $row
        (br_if $rows (i32.ge_u (local.get $k) (local.get $to)))
        (local.set $h (i32.load (i32.add (local.get $mixedIn) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $ref (i32.load (i32.add (local.get $refs) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $at (i32.and (i32.shr_u (local.get $h) (i32.const 8)) (local.get $mask)))
        (block $placed (loop $probe
          (local.set $slot (i32.add (local.get $table) (i32.shl (local.get $at) (i32.const 3))))
          (local.set $held (i32.load offset=4 (local.get $slot)))
          (br_if $placed (i32.eqz (local.get $held)))
          (if (i32.and (i32.ge_u (local.get $ref) (local.get $freshFirst)) (i32.eq (i32.load (local.get $slot)) (local.get $h)))
            (then
              (if (i32.ge_u (local.get $pairs) (local.get $outMax)) (then (return (i32.const -1))))
              (i32.store (i32.add (local.get $out) (i32.shl (local.get $pairs) (i32.const 3))) (local.get $ref))
              (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $pairs) (i32.const 3))) (i32.sub (local.get $held) (i32.const 1)))
              (local.set $pairs (i32.add (local.get $pairs) (i32.const 1)))))
          (local.set $at (i32.and (i32.add (local.get $at) (i32.const 1)) (local.get $mask)))
          (br $probe)))
        (i32.store (local.get $slot) (local.get $h))
        (i32.store offset=4 (local.get $slot) (i32.add (local.get $ref) (i32.const 1)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $row)))
      (br $partition)))
    (local.get $pairs))
)
