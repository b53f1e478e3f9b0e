package sim

// fifo is a growable ring buffer. The venue goroutine uses it as its delay
// queues: with one fixed latency, items become due in the order they were
// queued, so a FIFO does what a timer heap would, in O(1) and without a
// goroutine or timer per item. It grows by doubling and never shrinks, so
// in steady state it does not allocate.
type fifo[T any] struct {
	buf  []T
	head int // index of the oldest item
	n    int
}

func (q *fifo[T]) len() int { return q.n }

func (q *fifo[T]) push(v T) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)%len(q.buf)] = v
	q.n++
}

// peek returns the oldest item, valid until the next push or pop. The queue
// must not be empty.
func (q *fifo[T]) peek() *T { return &q.buf[q.head] }

// pop removes and returns the oldest item. The queue must not be empty.
func (q *fifo[T]) pop() T {
	v := q.buf[q.head]
	var zero T
	q.buf[q.head] = zero // drop references held by the item
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return v
}

func (q *fifo[T]) grow() {
	buf := make([]T, max(16, 2*len(q.buf)))
	for i := range q.n {
		buf[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = buf, 0
}

// at returns the i-th oldest item, 0 <= i < len().
func (q *fifo[T]) at(i int) T { return q.buf[(q.head+i)%len(q.buf)] }
