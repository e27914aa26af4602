/**
 * hakmem as Apache Arrow Java's allocation manager: {@link dev.hakmem.arrow.HakmemAllocationManager}.
 */
package dev.hakmem.arrow;
