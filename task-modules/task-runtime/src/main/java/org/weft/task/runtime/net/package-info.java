/** Which network addresses a task may reach on a user's behalf. */
package org.weft.task.runtime.net;
