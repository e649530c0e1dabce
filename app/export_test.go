package app

// ReadAheadFirst makes every block run its transactions ahead before it
// executes any, so that a test sees which runs ahead the block keeps.
func (a *App) ReadAheadFirst() { a.readAheadFirst = true }
