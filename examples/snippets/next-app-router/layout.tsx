// app/layout.tsx — a Server Component: it creates no client.
import type { ReactNode } from 'react';
import { Account } from './account';
import { Providers } from './providers';

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <Account />
          {children}
        </Providers>
      </body>
    </html>
  );
}
