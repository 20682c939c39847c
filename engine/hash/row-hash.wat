;; The row hash (docs/ROW_HASH.md) of one-column keys without NULLs in WebAssembly SIMD, four
;; rows at a time: an integer key is the MurmurHash3 (x86, 32-bit, seed 0) of its 8 little-endian
;; bytes as an int64, so a BIGINT/TIMESTAMP row takes its two words and an INTEGER/DATE row its
;; value and sign. Bit for bit row-hash.ts's hashInt64Column and hashInt32Column (tested against
;; them). Compiled by `npm run build:wasm` into row-hash-wasm.ts.
;;
;; Both work on `n` rows (a multiple of 4) of values at $in and write n hashes at $out; rows past
;; the real ones are padding.
(module
  (memory (export "memory") 16)

  ;; BIGINT, TIMESTAMP: two words a row, low then high.
  (func $rowHash.int64 (export "int64") (param $in i32) (param $n i32) (param $out i32)
    (local $end i32) (local $a v128) (local $b v128) (local $h v128) (local $k v128)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (local.set $a (v128.load (local.get $in)))
      (local.set $b (v128.load offset=16 (local.get $in)))
      (local.set $h (v128.const i32x4 0 0 0 0))
      (local.set $k (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a) (local.get $b)))
      ;; $h = mix($h, $k)
      (local.set $k (i32x4.mul (local.get $k) (v128.const i32x4 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51)))
      (local.set $k (v128.or (i32x4.shl (local.get $k) (i32.const 15)) (i32x4.shr_u (local.get $k) (i32.const 17))))
      (local.set $h (v128.xor (local.get $h) (i32x4.mul (local.get $k) (v128.const i32x4 0x1b873593 0x1b873593 0x1b873593 0x1b873593))))
      (local.set $h (v128.or (i32x4.shl (local.get $h) (i32.const 13)) (i32x4.shr_u (local.get $h) (i32.const 19))))
      (local.set $h (i32x4.add (i32x4.mul (local.get $h) (v128.const i32x4 5 5 5 5)) (v128.const i32x4 0xe6546b64 0xe6546b64 0xe6546b64 0xe6546b64)))
      (local.set $k (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a) (local.get $b)))
      ;; $h = mix($h, $k)
      (local.set $k (i32x4.mul (local.get $k) (v128.const i32x4 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51)))
      (local.set $k (v128.or (i32x4.shl (local.get $k) (i32.const 15)) (i32x4.shr_u (local.get $k) (i32.const 17))))
      (local.set $h (v128.xor (local.get $h) (i32x4.mul (local.get $k) (v128.const i32x4 0x1b873593 0x1b873593 0x1b873593 0x1b873593))))
      (local.set $h (v128.or (i32x4.shl (local.get $h) (i32.const 13)) (i32x4.shr_u (local.get $h) (i32.const 19))))
      (local.set $h (i32x4.add (i32x4.mul (local.get $h) (v128.const i32x4 5 5 5 5)) (v128.const i32x4 0xe6546b64 0xe6546b64 0xe6546b64 0xe6546b64)))
      ;; murmur3Finalize(h, 8)
      (local.set $h (v128.xor (local.get $h) (i32x4.splat (i32.const 8))))
      (local.set $h (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 16))))
      (local.set $h (i32x4.mul (local.get $h) (v128.const i32x4 0x85ebca6b 0x85ebca6b 0x85ebca6b 0x85ebca6b)))
      (local.set $h (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 13))))
      (local.set $h (i32x4.mul (local.get $h) (v128.const i32x4 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35)))
      (v128.store (local.get $out) (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 16))))
      (local.set $in (i32.add (local.get $in) (i32.const 32)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $next))))

  ;; INTEGER, DATE: a value and its sign (the high word of the value as an int64).
  (func $rowHash.int32 (export "int32") (param $in i32) (param $n i32) (param $out i32)
    (local $end i32) (local $v v128) (local $h v128) (local $k v128)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (local.set $v (v128.load (local.get $in)))
      (local.set $h (v128.const i32x4 0 0 0 0))
      (local.set $k (local.get $v))
      ;; $h = mix($h, $k)
      (local.set $k (i32x4.mul (local.get $k) (v128.const i32x4 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51)))
      (local.set $k (v128.or (i32x4.shl (local.get $k) (i32.const 15)) (i32x4.shr_u (local.get $k) (i32.const 17))))
      (local.set $h (v128.xor (local.get $h) (i32x4.mul (local.get $k) (v128.const i32x4 0x1b873593 0x1b873593 0x1b873593 0x1b873593))))
      (local.set $h (v128.or (i32x4.shl (local.get $h) (i32.const 13)) (i32x4.shr_u (local.get $h) (i32.const 19))))
      (local.set $h (i32x4.add (i32x4.mul (local.get $h) (v128.const i32x4 5 5 5 5)) (v128.const i32x4 0xe6546b64 0xe6546b64 0xe6546b64 0xe6546b64)))
      (local.set $k (i32x4.shr_s (local.get $v) (i32.const 31)))
      ;; $h = mix($h, $k)
      (local.set $k (i32x4.mul (local.get $k) (v128.const i32x4 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51)))
      (local.set $k (v128.or (i32x4.shl (local.get $k) (i32.const 15)) (i32x4.shr_u (local.get $k) (i32.const 17))))
      (local.set $h (v128.xor (local.get $h) (i32x4.mul (local.get $k) (v128.const i32x4 0x1b873593 0x1b873593 0x1b873593 0x1b873593))))
      (local.set $h (v128.or (i32x4.shl (local.get $h) (i32.const 13)) (i32x4.shr_u (local.get $h) (i32.const 19))))
      (local.set $h (i32x4.add (i32x4.mul (local.get $h) (v128.const i32x4 5 5 5 5)) (v128.const i32x4 0xe6546b64 0xe6546b64 0xe6546b64 0xe6546b64)))
      ;; murmur3Finalize(h, 8)
      (local.set $h (v128.xor (local.get $h) (i32x4.splat (i32.const 8))))
      (local.set $h (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 16))))
      (local.set $h (i32x4.mul (local.get $h) (v128.const i32x4 0x85ebca6b 0x85ebca6b 0x85ebca6b 0x85ebca6b)))
      (local.set $h (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 13))))
      (local.set $h (i32x4.mul (local.get $h) (v128.const i32x4 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35)))
      (v128.store (local.get $out) (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 16))))
      (local.set $in (i32.add (local.get $in) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $next))))
)
